import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { z } from 'zod';
import { toErrorResponse } from './error-response.js';
import { NotSupportedError } from './errors.js';
import { parseJsonBody } from './request-body.js';
import { InvalidVolumeRequestError } from '../volumes/errors.js';
import { VOLUME_OWNER, type VolumeBackend } from '../volumes/volume-backend.js';
import { VolumeContent } from '../volumes/volume-content.js';

/** Where E2B's volume content API lives; the runner routes these paths here, not to the control plane. */
export const VOLUME_CONTENT_PREFIX = '/volumecontent/';

export interface VolumeContentApiOptions {
  volumes: VolumeBackend | undefined;
  logger: Logger;
}

const metadataSchema = z.object({
  uid: z.number().int().optional(),
  gid: z.number().int().optional(),
  mode: z.number().int().optional(),
});

/**
 * E2B's volume content API (spec/openapi-volumecontent.yml) on the runner's own URL, with the
 * volume's token as bearer, no sandbox needed. Errors are `{code, message}` with `code` a string,
 * as that spec says. Bodies stream both ways; uploads are bounded by the volume's size.
 */
export function createVolumeContentApi(options: VolumeContentApiOptions): Hono {
  const logger = options.logger.child({ component: 'volume-content' });
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    if (status === 500) logger.error({ err: error, method: c.req.method, path: c.req.path }, 'volume content request failed');
    return c.json({ code: String(body.code), message: body.message }, status);
  });
  app.notFound((c) => c.json({ code: '404', message: `No route ${c.req.method} ${c.req.path} (the volume content API has /path, /dir and /file).` }, 404));

  const contentOf = async (c: Context): Promise<VolumeContent> => {
    if (!options.volumes) throw new NotSupportedError('Named volumes are not available from this runner.');
    const header = c.req.header('authorization');
    const token = header?.toLowerCase().startsWith('bearer ') ? header.slice(7).trim() : undefined;
    return new VolumeContent(await options.volumes.contentRoot(c.req.param('volumeID') ?? '', token), VOLUME_OWNER);
  };

  const base = '/volumecontent/:volumeID';
  app.get(`${base}/path`, async (c) => c.json(await (await contentOf(c)).stat(pathParam(c))));
  app.patch(`${base}/path`, async (c) => {
    const content = await contentOf(c);
    const body = await parseJsonBody(c.req.raw, metadataSchema);
    return c.json(await content.updateMetadata(pathParam(c), body));
  });
  app.delete(`${base}/path`, async (c) => {
    await (await contentOf(c)).remove(pathParam(c));
    return c.body(null, 204);
  });
  app.get(`${base}/dir`, async (c) => c.json(await (await contentOf(c)).list(pathParam(c), intParam(c, 'depth') ?? 1)));
  app.post(`${base}/dir`, async (c) => {
    const content = await contentOf(c);
    return c.json(await content.makeDir(pathParam(c), { ...ownershipParams(c), force: boolParam(c, 'force') }), 201);
  });
  app.get(`${base}/file`, async (c) => {
    const { stream, size } = await (await contentOf(c)).read(pathParam(c));
    return new Response(Readable.toWeb(stream) as ReadableStream, {
      status: 200,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
  });
  app.put(`${base}/file`, async (c) => {
    const content = await contentOf(c);
    const raw = c.req.raw.body;
    const body = raw ? Readable.fromWeb(raw as NodeReadableStream<Uint8Array>) : Readable.from([]);
    return c.json(await content.write(pathParam(c), body, { ...ownershipParams(c), force: boolParam(c, 'force') }), 201);
  });
  return app;
}

function pathParam(c: Context): string {
  const path = c.req.query('path');
  if (path === undefined || path === '') throw new InvalidVolumeRequestError('The query parameter "path" is required.');
  return path;
}

function intParam(c: Context, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,10}$/.test(raw)) throw new InvalidVolumeRequestError(`The query parameter "${name}" must be a non-negative integer.`);
  return Number(raw);
}

function boolParam(c: Context, name: string): boolean {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '' || raw === 'false' || raw === 'False') return false;
  if (raw === 'true' || raw === 'True') return true;
  throw new InvalidVolumeRequestError(`The query parameter "${name}" must be true or false.`);
}

function ownershipParams(c: Context): { uid?: number; gid?: number; mode?: number } {
  const uid = intParam(c, 'uid');
  const gid = intParam(c, 'gid');
  const mode = intParam(c, 'mode');
  return { ...(uid === undefined ? {} : { uid }), ...(gid === undefined ? {} : { gid }), ...(mode === undefined ? {} : { mode }) };
}
