import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxManager } from '../sandboxes/sandbox-manager.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';
import { VolumeNameTakenError, VolumeNotFoundError } from '../volumes/errors.js';
import type { VolumeBackend, VolumeInfo } from '../volumes/volume-backend.js';
import { ApiKeyRing } from './api-keys.js';
import { createControlPlane } from './control-plane.js';
import { scratchSecrets } from '../secrets/testing/scratch-secrets.js';

const KEY = 'e2b_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const limits = { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 };
const managers: SandboxManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

/** Volumes in a map: the API's wiring, not the storage (docker/volume-store.ts has its own tests). */
class MapVolumes implements VolumeBackend {
  readonly volumes = new Map<string, VolumeInfo & { tenant: string }>();
  async create(tenant: string, name: string): Promise<VolumeInfo> {
    if ([...this.volumes.values()].some((v) => v.tenant === tenant && v.name === name)) throw new VolumeNameTakenError(name);
    const volume = { volumeId: `vol-${String(this.volumes.size).padStart(24, '0')}`, name, token: 'cbv_t', createdAt: new Date(0), tenant };
    this.volumes.set(volume.volumeId, volume);
    return volume;
  }
  async list(tenant: string): Promise<VolumeInfo[]> {
    return [...this.volumes.values()].filter((v) => v.tenant === tenant);
  }
  async get(tenant: string, volumeId: string): Promise<VolumeInfo> {
    const volume = this.volumes.get(volumeId);
    if (!volume || volume.tenant !== tenant) throw new VolumeNotFoundError(volumeId);
    return volume;
  }
  async getByName(tenant: string, name: string): Promise<VolumeInfo> {
    const volume = [...this.volumes.values()].find((v) => v.tenant === tenant && v.name === name);
    if (!volume) throw new VolumeNotFoundError(name, 'name');
    return volume;
  }
  async delete(tenant: string, volumeId: string): Promise<void> {
    await this.get(tenant, volumeId);
    this.volumes.delete(volumeId);
  }
  async contentRoot(): Promise<string> {
    throw new Error('not used here');
  }
}

const secrets = scratchSecrets();

function setup(volumes?: VolumeBackend) {
  const logger = pino({ level: 'silent' });
  const backend = new InMemoryBackend();
  const templates = new InMemoryTemplateCatalog();
  const manager = new SandboxManager({ backend, templates, logger, limits, maxSandboxes: 10, maxSandboxesPerTenant: 10, reconcileIntervalMs: 0 });
  managers.push(manager);
  const app = createControlPlane({ manager, templates, secrets, apiKeys: new ApiKeyRing([KEY]), logger, clientId: 'test-runner', limits, ...(volumes ? { volumes } : {}) });
  const call = (method: string, path: string, body?: unknown) =>
    app.request(path, { method, headers: { 'X-API-KEY': KEY, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { call };
}

describe('/volumes and volumeMounts', () => {
  it('speaks E2B\'s shapes and statuses', async () => {
    const { call } = setup(new MapVolumes());
    const created = await call('POST', '/volumes', { name: 'data' });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ volumeID: 'vol-000000000000000000000000', name: 'data', token: 'cbv_t' });
    expect((await call('POST', '/volumes', { name: 'data' })).status).toBe(409);
    expect((await call('POST', '/volumes', { name: 'bad name' })).status).toBe(400);
    expect((await call('POST', '/volumes', {})).status).toBe(400);
    expect(await (await call('GET', '/volumes')).json()).toEqual([{ volumeID: 'vol-000000000000000000000000', name: 'data' }]);
    expect((await call('GET', '/volumes/vol-x')).status).toBe(404);

    const sandbox = await call('POST', '/sandboxes', { templateID: 'base', volumeMounts: [{ name: 'data', path: '/mnt/data/' }] });
    expect(sandbox.status).toBe(201);
    const { sandboxID } = (await sandbox.json()) as { sandboxID: string };
    expect(((await (await call('GET', `/sandboxes/${sandboxID}`)).json()) as { volumeMounts: unknown }).volumeMounts).toEqual([{ name: 'data', path: '/mnt/data' }]);
    expect(((await (await call('GET', '/v2/sandboxes')).json()) as Array<{ volumeMounts: unknown }>)[0]?.volumeMounts).toEqual([{ name: 'data', path: '/mnt/data' }]);

    const missing = await call('POST', '/sandboxes', { templateID: 'base', volumeMounts: [{ name: 'nope', path: '/mnt/x' }] });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('"nope"');
    expect((await call('DELETE', '/volumes/vol-000000000000000000000000')).status).toBe(204);
  });

  it('answers 501 where the backend keeps no volumes, for the API and for volumeMounts', async () => {
    const { call } = setup();
    expect((await call('GET', '/volumes')).status).toBe(501);
    expect((await call('POST', '/volumes', { name: 'data' })).status).toBe(501);
    expect((await call('POST', '/sandboxes', { templateID: 'base', volumeMounts: [{ name: 'data', path: '/mnt/data' }] })).status).toBe(501);
    expect((await call('POST', '/sandboxes', { templateID: 'base', volumeMounts: [] })).status).toBe(201);
  });
});
