import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxManager } from '../sandboxes/sandbox-manager.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';
import { ApiKeyRing } from './api-keys.js';
import { createControlPlane } from './control-plane.js';
import { scratchSecrets } from '../secrets/testing/scratch-secrets.js';

const KEY_A = 'e2b_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const KEY_B = 'e2b_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const limits = { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 };
const managers: SandboxManager[] = [];

const secrets = scratchSecrets();

function setup() {
  const logger = pino({ level: 'silent' });
  const backend = new InMemoryBackend();
  const templates = new InMemoryTemplateCatalog();
  const manager = new SandboxManager({ backend, templates, logger, limits, maxSandboxes: 100, maxSandboxesPerTenant: 50, reconcileIntervalMs: 0 });
  managers.push(manager);
  const app = createControlPlane({ manager, templates, secrets, apiKeys: new ApiKeyRing([KEY_A, KEY_B]), logger, clientId: 'test-runner', limits });
  const call = async (method: string, path: string, body?: unknown, key = KEY_A) => {
    const response = await app.request(path, {
      method,
      headers: { 'X-API-KEY': key, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
  };
  const create = (body: Record<string, unknown>) => call('POST', '/v2/sandboxes', { templateID: 'base', ...body });
  return { backend, manager, call, create };
}

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

/**
 * Every top-level field the current SDKs (JS `e2b` 2.51, Python `e2b`) put in a create body, and
 * what the runner does with it: honoured, or refused with a 400 naming it. Nothing is dropped.
 */
const CREATE_FIELDS: ReadonlyArray<[field: string, value: unknown, outcome: 'honoured' | 'refused']> = [
  ['timeout', 60, 'honoured'],
  ['metadata', { k: 'v' }, 'honoured'],
  ['envVars', { A: 'b' }, 'honoured'],
  ['secure', false, 'honoured'],
  ['allow_internet_access', false, 'honoured'],
  ['autoPause', false, 'honoured'],
  ['autoPause', true, 'refused'],
  // The Python SDK always sends autoPauseMemory: true; it only matters with autoPause.
  ['autoPauseMemory', true, 'honoured'],
  ['autoResume', { enabled: false }, 'honoured'],
  ['autoResume', { enabled: true }, 'refused'],
  ['mcp', null, 'honoured'],
  ['mcp', { github: { token: 'x' } }, 'refused'],
  ['iam', { tokens: { gh: { audience: 'a', tokenType: 'oidc' } } }, 'refused'],
  // A mount of an existing volume is honoured: api/volumes-api.test.ts (this setup has no volume backend).
  ['volumeMounts', [{ name: 'vol', path: 'relative/path' }], 'refused'],
  ['volumeMounts', [], 'honoured'],
  ['network', { allowPublicTraffic: false }, 'honoured'],
  ['network', { maskRequestHost: 'custom-host.example.com:${PORT}' }, 'honoured'],
  ['network', { denyOut: ['0.0.0.0/0'] }, 'honoured'],
  ['network', { allowOut: ['8.8.8.8', '10.1.0.0/16'], denyOut: ['0.0.0.0/0'] }, 'honoured'],
  ['network', { allowOut: ['example.com'], denyOut: ['0.0.0.0/0'] }, 'honoured'],
  ['network', { rules: { 'api.example.com': [{ transform: { headers: { Authorization: 'Bearer ${e2b.secrets.api-key}' } } }] } }, 'honoured'],
  ['network', { egressProxy: { address: 'proxy.example.com:1080', username: 'u', password: 'p' } }, 'honoured'],
  ['network', { httpsPorts: [443] }, 'refused'],
  ['network', { denyOut: ['example.com'] }, 'refused'],
  ['network', { allowOut: ['2001:db8::1'] }, 'refused'],
  ['somethingNew', 1, 'refused'],
];

describe('create: every field the SDKs send is honoured or refused by name', () => {
  it.each(CREATE_FIELDS)('%s = %j is %s', async (field, value, outcome) => {
    const { create } = setup();
    const response = await create({ [field]: value });
    if (outcome === 'honoured') {
      expect(response.status, JSON.stringify(response.body)).toBe(201);
    } else {
      expect(response.status).toBe(400);
      expect(String(response.body?.message)).toContain(field === 'network' ? Object.keys(value as object)[0] : field);
    }
  });

  it('stores what it honours: the policy, the mask, public traffic and internet access show in the detail', async () => {
    const { create, call } = setup();
    const created = await create({
      network: { allowOut: ['8.8.8.8'], denyOut: ['0.0.0.0/0', '10.0.0.0/8'], allowPublicTraffic: false, maskRequestHost: 'h.example:${PORT}' },
    });
    expect(created.status).toBe(201);
    expect(created.body?.trafficAccessToken).toEqual(expect.any(String));
    const detail = await call('GET', `/sandboxes/${String(created.body?.sandboxID)}`);
    expect(detail.body).toMatchObject({
      allowInternetAccess: true,
      network: { allowOut: ['8.8.8.8/32'], denyOut: ['0.0.0.0/0', '10.0.0.0/8'], rules: {}, allowPublicTraffic: false, maskRequestHost: 'h.example:${PORT}' },
    });
  });

  it('keeps allow_internet_access: false as no network device, reported as such', async () => {
    const { create, call, backend } = setup();
    const created = await create({ allow_internet_access: false });
    const id = String(created.body?.sandboxID);
    expect(backend.sandboxes.get(id)?.allowInternetAccess).toBe(false);
    expect((await call('GET', `/sandboxes/${id}`)).body).toMatchObject({ allowInternetAccess: false, network: { denyOut: [] } });
  });

  it('gives network.denyOut ["0.0.0.0/0"] a bridge sandbox with a deny-all policy', async () => {
    const { create, backend } = setup();
    const created = await create({ network: { denyOut: ['0.0.0.0/0'] } });
    const record = backend.sandboxes.get(String(created.body?.sandboxID));
    expect(record?.allowInternetAccess).toBe(true);
    expect(record?.network?.egress.denyOut).toEqual([{ kind: 'cidr', cidr: '0.0.0.0/0' }]);
  });
});

describe('PUT /sandboxes/{id}/network', () => {
  it('replaces the policy (204); omitted fields are cleared; the backend follows', async () => {
    const { create, call, backend } = setup();
    const created = await create({ network: { denyOut: ['0.0.0.0/0'] } });
    const id = String(created.body?.sandboxID);
    expect(backend.sandboxes.get(id)?.network?.egress.denyOut).toHaveLength(1);

    expect((await call('PUT', `/sandboxes/${id}/network`, { denyOut: ['1.2.3.4'], allowOut: ['1.2.3.0/24'] })).status).toBe(204);
    expect((await call('GET', `/sandboxes/${id}`)).body?.network).toMatchObject({ denyOut: ['1.2.3.4/32'], allowOut: ['1.2.3.0/24'] });
    expect(backend.sandboxes.get(id)?.network?.egress).toMatchObject({ denyOut: [{ cidr: '1.2.3.4/32' }] });

    expect((await call('PUT', `/sandboxes/${id}/network`, {})).status).toBe(204);
    expect((await call('GET', `/sandboxes/${id}`)).body?.network).toMatchObject({ denyOut: [], allowOut: [] });

    expect((await call('PUT', `/sandboxes/${id}/network`, { allow_internet_access: false })).status).toBe(204);
    expect((await call('GET', `/sandboxes/${id}`)).body?.network).toMatchObject({ denyOut: ['0.0.0.0/0'] });
  });

  it('refuses what it cannot enforce, by field, and unknown fields', async () => {
    const { create, call } = setup();
    const id = String((await create({})).body?.sandboxID);
    for (const [body, field] of [
      [{ rules: { '10.0.0.0/8': [{}] } }, 'rules'],
      [{ denyOut: ['example.com'] }, 'denyOut'],
      [{ allowPublicTraffic: false }, 'allowPublicTraffic'],
      [{ egressProxy: { address: 'p:1080', password: 'x'.repeat(256) } }, 'password'],
    ] as const) {
      const response = await call('PUT', `/sandboxes/${id}/network`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(String(response.body?.message)).toContain(field);
    }
  });

  it('answers 409 for a sandbox created with allow_internet_access: false, saying why', async () => {
    const { create, call } = setup();
    const id = String((await create({ allow_internet_access: false })).body?.sandboxID);
    const response = await call('PUT', `/sandboxes/${id}/network`, { denyOut: [] });
    expect(response.status).toBe(409);
    expect(String(response.body?.message)).toMatch(/allow_internet_access: false.*no network device/);
  });

  it('answers 404 for an unknown sandbox and for another key’s', async () => {
    const { create, call } = setup();
    const id = String((await create({})).body?.sandboxID);
    expect((await call('PUT', '/sandboxes/abcdefghijklmnopqrst/network', {})).status).toBe(404);
    expect((await call('PUT', `/sandboxes/${id}/network`, {}, KEY_B)).status).toBe(404);
  });
});
