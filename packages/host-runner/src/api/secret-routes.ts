import type { Hono } from 'hono';
import { HEADERS } from '@codebox/protocol';
import { z } from 'zod';
import { InvalidRequestError } from '../sandboxes/errors.js';
import { SECRET_ID_PREFIX, type SecretInfo, type SecretStore } from '../secrets/secret-store.js';
import { MAX_LIST_LIMIT } from './list-query.js';
import { parseJsonBody } from './request-body.js';

/** E2B's `SecretMetadata` limits. */
const MAX_METADATA_ENTRIES = 32;
const MAX_METADATA_KEY_BYTES = 128;
const MAX_METADATA_VALUE_BYTES = 1024;
const MAX_METADATA_BYTES = 8192;
/** Values are injected into HTTP headers; a header this size is already far past what servers accept. */
export const MAX_SECRET_VALUE_BYTES = 16 * 1024;

const bytes = (text: string): number => Buffer.byteLength(text);

const metadataSchema = z
  .record(z.string().refine((key) => bytes(key) <= MAX_METADATA_KEY_BYTES, `metadata keys are limited to ${MAX_METADATA_KEY_BYTES} bytes`), z.string().refine((value) => bytes(value) <= MAX_METADATA_VALUE_BYTES, `metadata values are limited to ${MAX_METADATA_VALUE_BYTES} bytes`))
  .refine((metadata) => Object.keys(metadata).length <= MAX_METADATA_ENTRIES, `at most ${MAX_METADATA_ENTRIES} metadata entries`)
  .refine((metadata) => Object.entries(metadata).reduce((sum, [key, value]) => sum + bytes(key) + bytes(value), 0) <= MAX_METADATA_BYTES, `metadata is limited to ${MAX_METADATA_BYTES} bytes in total`);

/**
 * A value becomes (part of) an HTTP header value at egress: no control characters but tab, so a
 * value can never end a header and start another. The messages never quote the value.
 */
const secretValueSchema = z
  .string()
  .refine((value) => bytes(value) <= MAX_SECRET_VALUE_BYTES, `must be at most ${MAX_SECRET_VALUE_BYTES} bytes`)
  .refine((value) => !/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value), 'must not contain control characters (it is sent in an HTTP header)');

const newSecretSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-zA-Z0-9_-]+$/, 'use letters, digits, "_" and "-" only')
    .refine((name) => !name.toLowerCase().startsWith(SECRET_ID_PREFIX), `the ${SECRET_ID_PREFIX} prefix is reserved for secret ids`),
  value: secretValueSchema,
  metadata: metadataSchema.optional(),
});

const secretUpdateSchema = z.strictObject({ value: secretValueSchema, metadata: metadataSchema.optional() });

/** E2B's `Secret` schema. */
function toSecretView(info: SecretInfo): Record<string, unknown> {
  return {
    secretID: info.secretId,
    name: info.name,
    currentVersion: info.currentVersion,
    metadata: info.metadata,
    createdAt: info.createdAt.toISOString(),
    updatedAt: info.updatedAt.toISOString(),
  };
}

function encodeCursor(info: SecretInfo): string {
  return Buffer.from(`${info.createdAt.getTime()}.${info.secretId}`).toString('base64url');
}

function pageAfter(secrets: readonly SecretInfo[], token: string | undefined): readonly SecretInfo[] {
  if (!token) return secrets;
  const match = /^(\d+)\.(sec_[0-9a-f-]+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!match?.[1] || !match[2]) throw new InvalidRequestError(`nextToken "${token}" was not issued by this runner; pass the X-Next-Token value of the previous page.`);
  const at = Number(match[1]);
  const id = match[2];
  return secrets.filter((info) => info.createdAt.getTime() > at || (info.createdAt.getTime() === at && info.secretId > id));
}

function parseLimit(text: string | undefined): number {
  const limit = text === undefined ? MAX_LIST_LIMIT : Number(text);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) throw new InvalidRequestError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got "${text}".`);
  return limit;
}

/**
 * E2B's secrets API (`/secrets`, `/secrets/{secretID}`), per tenant. No response and no error
 * carries a value: bodies are parsed without quoting them, and only metadata is returned.
 */
export function registerSecretRoutes(app: Hono<{ Variables: { tenant: string } }>, secrets: SecretStore): void {
  app.get('/secrets', (c) => {
    const limit = parseLimit(c.req.query('limit'));
    const remaining = pageAfter(secrets.list(c.get('tenant')), c.req.query('nextToken') || undefined);
    const page = remaining.slice(0, limit);
    const last = page.at(-1);
    if (remaining.length > page.length && last) c.header(HEADERS.nextToken, encodeCursor(last));
    return c.json(page.map(toSecretView));
  });

  app.post('/secrets', async (c) => {
    const body = await parseJsonBody(c.req.raw, newSecretSchema, { quoteBody: false });
    const info = await secrets.create(c.get('tenant'), { name: body.name, value: body.value, metadata: body.metadata ?? {} });
    return c.json(toSecretView(info), 201);
  });

  app.get('/secrets/:secretID', (c) => c.json(toSecretView(secrets.get(c.get('tenant'), c.req.param('secretID')))));

  app.post('/secrets/:secretID', async (c) => {
    const tenant = c.get('tenant');
    const selector = c.req.param('secretID');
    // 404 before 400: the SDK maps a 404 to SecretNotFoundError whatever the body.
    secrets.get(tenant, selector);
    const body = await parseJsonBody(c.req.raw, secretUpdateSchema, { quoteBody: false });
    const info = await secrets.update(tenant, selector, { value: body.value, ...(body.metadata === undefined ? {} : { metadata: body.metadata }) });
    return c.json(toSecretView(info));
  });

  app.delete('/secrets/:secretID', async (c) => {
    await secrets.delete(c.get('tenant'), c.req.param('secretID'));
    return c.body(null, 204);
  });
}
