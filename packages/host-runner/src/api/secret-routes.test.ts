import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, SecretNotFoundError } from 'e2b';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { RunnerServer } from '../server.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';
import { SecretStore } from '../secrets/secret-store.js';
import { tenantIdForKey } from './api-keys.js';

/** E2B's secrets API through the official `e2b` SDK (`Secret.*`) against a real runner server. */

const KEY_A = 'e2b_0123456789abcdef0123456789abcdef01234567';
const KEY_B = 'e2b_fedcba9876543210fedcba9876543210fedcba98';
const VALUE = 'sk-live-VALUE-THAT-MUST-NEVER-BE-ECHOED';
let dir: string;
let runner: RunnerServer;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-secrets-'));
  const config = parseConfig({ host: '127.0.0.1', port: 0, apiKeys: [KEY_A, KEY_B], dataDir: dir });
  runner = await RunnerServer.start({ config, backend: new InMemoryBackend(), templates: new InMemoryTemplateCatalog(), logger: pino({ level: 'silent' }) });
  process.env.E2B_API_URL = runner.url;
  process.env.E2B_API_KEY = KEY_A;
});

afterAll(async () => {
  process.env = saved;
  await runner.close({ graceMs: 1_000 });
  await rm(dir, { recursive: true, force: true });
});

const raw = (method: string, path: string, body?: string, key = KEY_A) =>
  fetch(`${runner.url}${path}`, { method, headers: { 'X-API-KEY': key, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) });

describe('secrets API through the e2b SDK', () => {
  it('creates, updates (versions), reads, lists, checks and destroys', async () => {
    const created = await Secret.create('OpenAI-Key', VALUE, { metadata: { env: 'test' } });
    expect(created.secretId).toMatch(/^sec_/);
    expect(created.name).toBe('openai-key');
    expect(created.version).toBe(1);
    expect(created.metadata).toEqual({ env: 'test' });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created).not.toHaveProperty('value');

    const updated = await Secret.update(created.secretId, `${VALUE}-2`);
    expect(updated).toMatchObject({ secretId: created.secretId, version: 2, metadata: { env: 'test' } });
    const renamedMeta = await Secret.update('openai-key', `${VALUE}-3`, { metadata: { env: 'prod' } });
    expect(renamedMeta).toMatchObject({ version: 3, metadata: { env: 'prod' } });
    expect(renamedMeta.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

    expect(await Secret.getInfo('openai-key')).toMatchObject({ secretId: created.secretId, version: 3 });
    expect(await Secret.getInfo(created.secretId)).toMatchObject({ name: 'openai-key' });
    expect(await Secret.exists('openai-key')).toBe(true);
    expect(await Secret.exists('missing')).toBe(false);
    await expect(Secret.update('missing', 'x')).rejects.toThrow(SecretNotFoundError);
    await expect(Secret.getInfo('sec_00000000-0000-0000-0000-000000000000')).rejects.toThrow(SecretNotFoundError);

    expect(await Secret.destroy(created.secretId)).toBe(true);
    expect(await Secret.destroy(created.secretId)).toBe(false);
    expect(await Secret.exists('openai-key')).toBe(false);
  });

  it('pages the list with limit and X-Next-Token', async () => {
    const names = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
    for (const name of names) await Secret.create(name, VALUE);
    const paginator = Secret.list({ limit: 2 });
    const seen: string[] = [];
    let pages = 0;
    while (paginator.hasNext) {
      seen.push(...(await paginator.nextItems()).map((info) => info.name));
      pages += 1;
    }
    expect(seen).toEqual(names);
    expect(pages).toBe(3);
    for (const name of names) await Secret.destroy(name);
  });

  it('answers 409 for a taken name (any case) and 400 naming the offending field', async () => {
    await Secret.create('taken', VALUE);
    const taken = await raw('POST', '/secrets', JSON.stringify({ name: 'TAKEN', value: VALUE }));
    expect(taken.status).toBe(409);
    expect(await taken.text()).not.toContain(VALUE);

    const cases: Array<[body: unknown, field: string]> = [
      [{ name: 'bad name', value: 'x' }, 'name'],
      [{ name: 'sec_x', value: 'x' }, 'name'],
      [{ name: 'a'.repeat(129), value: 'x' }, 'name'],
      [{ name: 'ok' }, 'value'],
      [{ name: 'ok', value: 'line\r\nX-Injected: 1' }, 'value'],
      [{ name: 'ok', value: 'x', metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ name: 'ok', value: 'x', metadata: { k: 'v'.repeat(1025) } }, 'metadata'],
      [{ name: 'ok', value: 'x', versions: [] }, 'versions'],
    ];
    for (const [body, field] of cases) {
      const response = await raw('POST', '/secrets', JSON.stringify(body));
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const message = ((await response.json()) as { message: string }).message;
      expect(message).toContain(field);
      expect(message).not.toContain('X-Injected');
    }
    // Malformed JSON: the parser's message would quote the body, value included.
    const malformed = await raw('POST', '/secrets', `{"name":"ok","value":"${VALUE}",}`);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toContain(VALUE);
    const malformedUpdate = await raw('POST', '/secrets/taken', `{"value":"${VALUE}"`);
    expect(malformedUpdate.status).toBe(400);
    expect(await malformedUpdate.text()).not.toContain(VALUE);
    await Secret.destroy('taken');
  });

  it('keeps tenants apart', async () => {
    const mine = await Secret.create('shared-name', VALUE);
    expect(await Secret.exists('shared-name', { apiKey: KEY_B })).toBe(false);
    expect(await Secret.exists(mine.secretId, { apiKey: KEY_B })).toBe(false);
    expect((await raw('DELETE', `/secrets/${mine.secretId}`, undefined, KEY_B)).status).toBe(404);
    // The same name is free in another tenant.
    const theirs = await Secret.create('shared-name', 'other', { apiKey: KEY_B });
    expect(theirs.secretId).not.toBe(mine.secretId);
    const listed = await Secret.list({ apiKey: KEY_B }).nextItems();
    expect(listed.map((info) => info.secretId)).toEqual([theirs.secretId]);
    await Secret.destroy('shared-name');
    await Secret.destroy('shared-name', { apiKey: KEY_B });
  });

  it('stores values in a 0600 file that survives a restart; no response carries a value', async () => {
    const created = await Secret.create('persisted', VALUE);
    const listing = await raw('GET', '/secrets');
    expect(await listing.text()).not.toContain(VALUE);
    expect(await (await raw('GET', '/secrets/persisted')).text()).not.toContain(VALUE);

    const path = join(dir, 'secrets.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toContain(VALUE);
    const reopened = await SecretStore.open(dir);
    expect(reopened.resolve(tenantIdForKey(KEY_A), 'PERSISTED')).toBe(VALUE);
    expect(reopened.resolve(tenantIdForKey(KEY_B), 'persisted')).toBeUndefined();
    expect(reopened.get(tenantIdForKey(KEY_A), created.secretId).currentVersion).toBe(1);
    await Secret.destroy('persisted');
    expect((await SecretStore.open(dir)).resolve(tenantIdForKey(KEY_A), 'persisted')).toBeUndefined();
  });
});
