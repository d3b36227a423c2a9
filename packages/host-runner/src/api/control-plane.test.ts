import { ENVD_VERSION } from '@codebox/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxManager } from '../sandboxes/sandbox-manager.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';
import { scratchSecrets } from '../secrets/testing/scratch-secrets.js';
import { ApiKeyRing } from './api-keys.js';
import { createControlPlane } from './control-plane.js';

const KEY_A = 'e2b_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const KEY_B = 'e2b_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const limits = { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 };
const managers: SandboxManager[] = [];
const secrets = scratchSecrets();

function setup({ maxSandboxesPerTenant = 20 } = {}) {
  const logger = pino({ level: 'silent' });
  const backend = new InMemoryBackend();
  const templates = new InMemoryTemplateCatalog();
  const manager = new SandboxManager({ backend, templates, logger, limits, maxSandboxes: 100, maxSandboxesPerTenant, reconcileIntervalMs: 0 });
  managers.push(manager);
  const app = createControlPlane({ manager, templates, apiKeys: new ApiKeyRing([KEY_A, KEY_B]), secrets, logger, clientId: 'test-runner', limits, domain: () => 'localhost:3201' });
  const call = (method: string, path: string, { key = KEY_A, body }: { key?: string | null; body?: unknown } = {}) =>
    app.request(path, {
      method,
      headers: { ...(key === null ? {} : { 'X-API-KEY': key }), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const create = async (body: Record<string, unknown> = {}, key = KEY_A) => {
    const response = await call('POST', '/v2/sandboxes', { key, body: { templateID: 'base', ...body } });
    expect(response.status).toBe(201);
    return (await response.json()) as { sandboxID: string; envdAccessToken?: string };
  };
  return { app, backend, manager, call, create };
}

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

describe('authentication', () => {
  it('answers 401 {code, message} without a key or with an unknown one', async () => {
    const { call } = setup();
    for (const key of [null, 'e2b_0123', 'not-a-key']) {
      const response = await call('GET', '/v2/sandboxes', { key });
      expect(response.status).toBe(401);
      const body = (await response.json()) as { code: number; message: string };
      expect(body.code).toBe(401);
      expect(body.message).toMatch(/API key/);
    }
  });
});

describe('POST /sandboxes', () => {
  it('creates a sandbox with the E2B response fields (v1 and v2 paths)', async () => {
    const { call } = setup();
    for (const path of ['/sandboxes', '/v2/sandboxes']) {
      const response = await call('POST', path, { body: { templateID: 'base', timeout: 60, metadata: { k: 'v' }, envVars: { A: 'b' } } });
      expect(response.status).toBe(201);
      const body = await response.json();
      expect(body).toEqual({
        templateID: 'base',
        sandboxID: expect.stringMatching(/^[a-z0-9]{20}$/),
        clientID: 'test-runner',
        envdVersion: ENVD_VERSION,
        envdAccessToken: expect.stringMatching(/^[0-9a-f]{64}$/),
        trafficAccessToken: null,
        domain: 'localhost:3201',
      });
    }
  });

  it('omits envdAccessToken for secure: false and passes allow_internet_access through', async () => {
    const { create, backend } = setup();
    const body = await create({ secure: false, allow_internet_access: false });
    expect(body.envdAccessToken).toBeUndefined();
    expect(backend.sandboxes.get(body.sandboxID)?.allowInternetAccess).toBe(false);
  });

  it('answers 400 for malformed JSON and names invalid fields', async () => {
    const { call } = setup();
    const malformed = await call('POST', '/v2/sandboxes', { body: '{"templateID": ' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 400, message: expect.stringMatching(/not valid JSON/) });

    const invalid = await call('POST', '/v2/sandboxes', { body: { templateID: 5, timeout: -1, metadata: { a: 1 } } });
    expect(invalid.status).toBe(400);
    const { message } = (await invalid.json()) as { message: string };
    expect(message).toContain('templateID');
    expect(message).toContain('timeout');
    expect(message).toContain('metadata.a');
  });

  it('answers 404 naming the templates that exist', async () => {
    const { call } = setup();
    const response = await call('POST', '/v2/sandboxes', { body: { templateID: 'missing' } });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ code: 404, message: expect.stringContaining('"base", "code-interpreter-v1"') });
  });

  it('answers 413 for oversized bodies', async () => {
    const { call } = setup();
    const response = await call('POST', '/v2/sandboxes', { body: { templateID: 'base', metadata: { big: 'x'.repeat(300 * 1024) } } });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 413 });
  });

  it('answers 400 for a timeout over 24 h and for autoPause', async () => {
    const { call } = setup();
    expect((await call('POST', '/v2/sandboxes', { body: { templateID: 'base', timeout: 86_401 } })).status).toBe(400);
    expect((await call('POST', '/v2/sandboxes', { body: { templateID: 'base', autoPause: true } })).status).toBe(400);
  });

  it('answers 429 past the per-key cap', async () => {
    const { call, create } = setup({ maxSandboxesPerTenant: 1 });
    await create();
    const response = await call('POST', '/v2/sandboxes', { body: { templateID: 'base' } });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ code: 429 });
    await create({}, KEY_B);
  });
});

describe('sandbox endpoints', () => {
  it('GET /sandboxes/{id} returns the detail; another key gets 404', async () => {
    const { call, create } = setup();
    const { sandboxID, envdAccessToken } = await create({ metadata: { owner: 'a' }, timeout: 120 });
    const response = await call('GET', `/sandboxes/${sandboxID}`);
    expect(response.status).toBe(200);
    const detail = (await response.json()) as Record<string, unknown>;
    expect(detail).toMatchObject({
      templateID: 'base',
      sandboxID,
      clientID: 'test-runner',
      cpuCount: 1,
      memoryMB: 512,
      diskSizeMB: 1024,
      metadata: { owner: 'a' },
      state: 'running',
      envdVersion: ENVD_VERSION,
      envdAccessToken,
      allowInternetAccess: true,
    });
    const lifetime = Date.parse(detail.endAt as string) - Date.parse(detail.startedAt as string);
    expect(lifetime).toBe(120_000);

    const foreign = await call('GET', `/sandboxes/${sandboxID}`, { key: KEY_B });
    expect(foreign.status).toBe(404);
    expect((await call('DELETE', `/sandboxes/${sandboxID}`, { key: KEY_B })).status).toBe(404);
    expect((await call('POST', `/sandboxes/${sandboxID}/timeout`, { key: KEY_B, body: { timeout: 1 } })).status).toBe(404);
    expect((await call('POST', `/v2/sandboxes/${sandboxID}/connect`, { key: KEY_B, body: { timeout: 1 } })).status).toBe(404);
  });

  it('DELETE answers 204 and then 404', async () => {
    const { call, create } = setup();
    const { sandboxID } = await create();
    const first = await call('DELETE', `/sandboxes/${sandboxID}`);
    expect(first.status).toBe(204);
    expect(await first.text()).toBe('');
    const second = await call('DELETE', `/sandboxes/${sandboxID}`);
    expect(second.status).toBe(404);
    expect(await second.json()).toMatchObject({ code: 404, message: expect.stringContaining(sandboxID) });
  });

  it('POST /timeout sets the end to timeout seconds from now, shorter or longer', async () => {
    const { call, create } = setup();
    const { sandboxID } = await create({ timeout: 600 });
    for (const timeout of [30, 3_600]) {
      const before = Date.now();
      const response = await call('POST', `/sandboxes/${sandboxID}/timeout`, { body: { timeout } });
      expect(response.status).toBe(204);
      const detail = (await (await call('GET', `/sandboxes/${sandboxID}`)).json()) as { endAt: string };
      const endAt = Date.parse(detail.endAt);
      expect(endAt).toBeGreaterThanOrEqual(before + timeout * 1000);
      expect(endAt).toBeLessThanOrEqual(Date.now() + timeout * 1000);
    }
    expect((await call('POST', `/sandboxes/${sandboxID}/timeout`, { body: { timeout: 86_401 } })).status).toBe(400);
    expect((await call('POST', `/sandboxes/${sandboxID}/timeout`, { body: {} })).status).toBe(400);
  });

  it('connect extends only and answers 200 with the Sandbox body', async () => {
    const { call, create } = setup();
    const { sandboxID, envdAccessToken } = await create({ timeout: 600 });
    const endAt = async () => Date.parse(((await (await call('GET', `/sandboxes/${sandboxID}`)).json()) as { endAt: string }).endAt);
    const original = await endAt();
    const shorter = await call('POST', `/v2/sandboxes/${sandboxID}/connect`, { body: { timeout: 10 } });
    expect(shorter.status).toBe(200);
    expect(await shorter.json()).toMatchObject({ sandboxID, envdAccessToken, envdVersion: ENVD_VERSION });
    expect(await endAt()).toBe(original);
    const longer = await call('POST', `/sandboxes/${sandboxID}/connect`, { body: { timeout: 1_200 } });
    expect(longer.status).toBe(200);
    expect(await endAt()).toBeGreaterThan(original);
    expect((await call('POST', '/v2/sandboxes/doesnotexist00000000/connect', { body: { timeout: 10 } })).status).toBe(404);
  });

  it('refreshes extends and answers 204', async () => {
    const { call, create } = setup();
    const { sandboxID } = await create({ timeout: 10 });
    expect((await call('POST', `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 3_600 } })).status).toBe(204);
    expect((await call('POST', `/sandboxes/${sandboxID}/refreshes`, { body: { duration: 3_601 } })).status).toBe(400);
  });

  it('unknown routes answer a JSON 404', async () => {
    const { call } = setup();
    const response = await call('GET', '/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 404 });
  });
});

describe('listing', () => {
  it('GET /v2/sandboxes filters by metadata and state and shows only the caller’s sandboxes', async () => {
    const { call, create } = setup();
    const mine = await create({ metadata: { env: 'prod', 'a b': 'x&y' } });
    await create({ metadata: { env: 'dev' } });
    await create({ metadata: { env: 'prod' } }, KEY_B);

    const all = (await (await call('GET', '/v2/sandboxes')).json()) as unknown[];
    expect(all).toHaveLength(2);

    // The SDK URI-encodes keys and values, joins them as a query string, and sends that as one parameter.
    const filter = new URLSearchParams({ [encodeURIComponent('a b')]: encodeURIComponent('x&y'), env: 'prod' }).toString();
    const response = await call('GET', `/v2/sandboxes?${new URLSearchParams({ metadata: filter, state: 'running,paused' })}`);
    expect(response.status).toBe(200);
    const filtered = (await response.json()) as Array<{ sandboxID: string; state: string }>;
    expect(filtered.map((s) => s.sandboxID)).toEqual([mine.sandboxID]);
    expect(filtered[0]?.state).toBe('running');

    expect(await (await call('GET', '/v2/sandboxes?state=paused')).json()).toEqual([]);
    expect((await call('GET', '/v2/sandboxes?state=sleeping')).status).toBe(400);
  });

  it('pages with limit and X-Next-Token, newest first, without repeats', async () => {
    const { call, create } = setup();
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await create()).sandboxID);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const query: URLSearchParams = new URLSearchParams({ limit: '2', ...(token ? { nextToken: token } : {}) });
      const response = await call('GET', `/v2/sandboxes?${query}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-total-running')).toBe('5');
      seen.push(...((await response.json()) as Array<{ sandboxID: string }>).map((s) => s.sandboxID));
      token = response.headers.get('x-next-token');
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse());

    const asc = (await (await call('GET', '/v2/sandboxes?order=asc&limit=1')).json()) as Array<{ sandboxID: string }>;
    expect(asc.map((s) => s.sandboxID)).toEqual([created[0]]);
  });

  it('rejects limits above 100 and foreign next tokens', async () => {
    const { call } = setup();
    expect((await call('GET', '/v2/sandboxes?limit=101')).status).toBe(400);
    expect((await call('GET', '/v2/sandboxes?limit=0')).status).toBe(400);
    expect((await call('GET', '/v2/sandboxes?nextToken=garbage')).status).toBe(400);
  });

  it('GET /sandboxes (v1) lists with a metadata filter', async () => {
    const { call, create } = setup();
    const match = await create({ metadata: { team: 'x' } });
    await create({ metadata: { team: 'y' } });
    const response = await call('GET', `/sandboxes?metadata=${encodeURIComponent('team=x')}`);
    expect(((await response.json()) as Array<{ sandboxID: string }>).map((s) => s.sandboxID)).toEqual([match.sandboxID]);
  });

  it('GET /templates lists the built templates', async () => {
    const { call } = setup();
    const body = (await (await call('GET', '/templates')).json()) as Array<{ templateID: string; buildStatus: string }>;
    expect(body.map((t) => t.templateID)).toEqual(['base', 'code-interpreter-v1']);
    expect(body[0]).toMatchObject({ aliases: ['base'], buildStatus: 'ready', envdVersion: ENVD_VERSION, memoryMB: 512 });
  });

  it('GET /templates/aliases/:alias answers a built template (Template.exists) and 404 for others', async () => {
    const { call } = setup();
    const found = await call('GET', '/templates/aliases/base');
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ templateID: 'base', public: false });
    const missing = await call('GET', '/templates/aliases/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 404, message: expect.stringContaining('"base"') });
  });

  it('lists sandboxes started at exactly startedAfter (inclusive, as E2B)', async () => {
    const { call, create } = setup();
    const { sandboxID } = await create();
    const { startedAt } = (await (await call('GET', `/sandboxes/${sandboxID}`)).json()) as { startedAt: string };
    const listed = (await (await call('GET', `/v2/sandboxes?startedAfter=${encodeURIComponent(startedAt)}`)).json()) as Array<{ sandboxID: string }>;
    expect(listed.map((s) => s.sandboxID)).toContain(sandboxID);
    const later = new Date(Date.parse(startedAt) + 1).toISOString();
    expect((await (await call('GET', `/v2/sandboxes?startedAfter=${encodeURIComponent(later)}`)).json()) as unknown[]).toEqual([]);
  });
});

describe('unsupported E2B features', () => {
  it('answer 501 with a reason for the caller’s sandboxes and 404 for others', async () => {
    const { call, create } = setup();
    const { sandboxID } = await create();
    const pause = await call('POST', `/sandboxes/${sandboxID}/pause`, { body: {} });
    expect(pause.status).toBe(501);
    expect(await pause.json()).toMatchObject({ code: 501, message: expect.stringContaining('Pausing sandboxes is not supported') });
    expect((await call('GET', `/sandboxes/${sandboxID}/metrics`)).status).toBe(501);
    expect((await call('POST', `/sandboxes/${sandboxID}/pause`, { key: KEY_B, body: {} })).status).toBe(404);
  });
});
