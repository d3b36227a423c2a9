import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SandboxRecord } from './sandbox-backend.js';
import { InvalidRequestError, QuotaExceededError, SandboxNotFoundError, TemplateNotFoundError } from './errors.js';
import { SandboxManager, type SandboxManagerOptions } from './sandbox-manager.js';
import { InMemoryBackend } from './testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from './testing/in-memory-template-catalog.js';

const logger = pino({ level: 'silent' });
const limits = { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 };
const managers: SandboxManager[] = [];

function setup(overrides: Partial<SandboxManagerOptions> = {}) {
  const backend = new InMemoryBackend();
  const manager = new SandboxManager({
    backend,
    templates: new InMemoryTemplateCatalog(),
    logger,
    limits,
    maxSandboxes: 10,
    maxSandboxesPerTenant: 5,
    reconcileIntervalMs: 0,
    ...overrides,
  });
  managers.push(manager);
  return { backend, manager };
}

function storedRecord(overrides: Partial<SandboxRecord>): SandboxRecord {
  return {
    sandboxId: 'a'.repeat(20),
    tenant: 't1',
    templateId: 'base',
    metadata: {},
    allowInternetAccess: true,
    startedAt: new Date(Date.now() - 1000),
    expiresAt: new Date(Date.now() + 60_000),
    limits,
    status: 'running',
    agentSocketPath: '/nonexistent',
    ...overrides,
  };
}

/** Deadlines run on vitest's fake clock: a test moves time itself and sees exactly when things happen. */
function useFakeClock(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.stop()));
});

describe('SandboxManager.create', () => {
  it("runs a sandbox at its template's runtime, else at the runner's", async () => {
    const templates = new InMemoryTemplateCatalog(['base', 'strong', 'fast'], { strong: 'runsc', fast: 'runc' });
    for (const runnerRuntime of ['runc', 'runsc'] as const) {
      const { manager } = setup({ templates, runtime: runnerRuntime });
      expect((await manager.create({ tenant: 't1', templateId: 'base' })).runtime).toBe(runnerRuntime);
      expect((await manager.create({ tenant: 't1', templateId: 'strong' })).runtime).toBe('runsc');
      expect((await manager.create({ tenant: 't1', templateId: 'fast' })).runtime).toBe('runc');
    }
    const { manager } = setup({ templates });
    expect((await manager.create({ tenant: 't1', templateId: 'base' })).runtime).toBe('runc');
  });

  it('starts a sandbox with the configured limits, a 20-char id and an access token', async () => {
    const { backend, manager } = setup();
    await manager.start();
    const record = await manager.create({ tenant: 't1', templateId: 'base', metadata: { a: 'b' }, envVars: { X: '1' } });
    expect(record.sandboxId).toMatch(/^[a-z0-9]{20}$/);
    expect(record.accessToken).toMatch(/^[0-9a-f]{64}$/);
    expect(record.limits).toEqual(limits);
    expect(record.expiresAt.getTime() - record.startedAt.getTime()).toBe(300_000);
    expect(backend.sandboxes.get(record.sandboxId)?.metadata).toEqual({ a: 'b' });
    expect(manager.get('t1', record.sandboxId)).toEqual(record);
  });

  it('gives insecure sandboxes no access token', async () => {
    const { manager } = setup();
    const record = await manager.create({ tenant: 't1', templateId: 'base', secure: false });
    expect(record.accessToken).toBeUndefined();
  });

  it('names the existing templates when the template is unknown', async () => {
    const { manager } = setup();
    const error = await manager.create({ tenant: 't1', templateId: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TemplateNotFoundError);
    expect((error as Error).message).toContain('"base", "code-interpreter-v1"');
  });

  it('rejects a timeout above 24 h', async () => {
    const { manager } = setup();
    await expect(manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 86_401_000 })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 86_400_000 })).resolves.toBeDefined();
  });

  it('enforces the per-tenant and the runner-wide caps, counting creates in flight', async () => {
    const { manager } = setup({ maxSandboxes: 3, maxSandboxesPerTenant: 2 });
    await Promise.all([manager.create({ tenant: 't1', templateId: 'base' }), manager.create({ tenant: 't1', templateId: 'base' })]);
    await expect(manager.create({ tenant: 't1', templateId: 'base' })).rejects.toMatchObject({ name: 'QuotaExceededError', scope: 'tenant' });
    await manager.create({ tenant: 't2', templateId: 'base' });
    const error = await manager.create({ tenant: 't3', templateId: 'base' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(error).toMatchObject({ scope: 'runner' });
  });

  it('frees the quota slot when the backend fails', async () => {
    const { backend, manager } = setup({ maxSandboxesPerTenant: 1 });
    backend.failCreate = new Error('boom');
    await expect(manager.create({ tenant: 't1', templateId: 'base' })).rejects.toThrow('boom');
    backend.failCreate = undefined;
    await expect(manager.create({ tenant: 't1', templateId: 'base' })).resolves.toBeDefined();
  });
});

describe('SandboxManager ownership and kill', () => {
  it("reports another tenant's sandbox as not found", async () => {
    const { manager } = setup();
    const record = await manager.create({ tenant: 't1', templateId: 'base' });
    expect(() => manager.get('t2', record.sandboxId)).toThrow(SandboxNotFoundError);
    await expect(manager.kill('t2', record.sandboxId)).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(manager.list('t2')).toEqual([]);
    expect(manager.list('t1')).toHaveLength(1);
  });

  it('kills once; a second kill, even concurrent, is a not-found', async () => {
    const { backend, manager } = setup();
    const removed: string[] = [];
    manager.onSandboxRemoved((record, reason) => removed.push(`${record.sandboxId}:${reason}`));
    const { sandboxId } = await manager.create({ tenant: 't1', templateId: 'base' });
    const results = await Promise.allSettled([manager.kill('t1', sandboxId), manager.kill('t1', sandboxId)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    await expect(manager.kill('t1', sandboxId)).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(backend.destroyed).toEqual([sandboxId]);
    expect(removed).toEqual([`${sandboxId}:killed`]);
    expect(manager.lookup(sandboxId)).toBeUndefined();
  });
});

describe('SandboxManager expiry', () => {
  useFakeClock();

  it('removes a sandbox at its deadline, not before', async () => {
    const { backend, manager } = setup();
    const record = await manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 300 });
    await vi.advanceTimersByTimeAsync(299);
    expect(backend.destroyed).toEqual([]);
    expect(manager.lookup(record.sandboxId)).toBeDefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.destroyed).toEqual([record.sandboxId]);
    expect(manager.lookup(record.sandboxId)).toBeUndefined();
  });

  it('setTimeout may shorten the deadline and persists it through the backend', async () => {
    const { backend, manager } = setup();
    const { sandboxId } = await manager.create({ tenant: 't1', templateId: 'base' });
    const updated = await manager.setTimeout('t1', sandboxId, 200);
    expect(backend.sandboxes.get(sandboxId)?.expiresAt).toEqual(updated.expiresAt);
    await vi.advanceTimersByTimeAsync(199);
    expect(backend.destroyed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.destroyed).toEqual([sandboxId]);
  });

  it('setTimeout can lengthen the deadline past the original one', async () => {
    const { backend, manager } = setup();
    const { sandboxId } = await manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 200 });
    await manager.setTimeout('t1', sandboxId, 60_000);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(backend.destroyed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.destroyed).toEqual([sandboxId]);
  });

  it('extend only ever moves the deadline later', async () => {
    const { manager } = setup();
    const created = await manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 120_000 });
    const unchanged = await manager.extend('t1', created.sandboxId, 10_000);
    expect(unchanged.expiresAt).toEqual(created.expiresAt);
    const extended = await manager.extend('t1', created.sandboxId, 600_000);
    expect(extended.expiresAt.getTime()).toBeGreaterThan(created.expiresAt.getTime());
  });

  it('rejects setTimeout above the maximum', async () => {
    const { manager } = setup({ maxTimeoutMs: 60_000 });
    const { sandboxId } = await manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 1_000 });
    await expect(manager.setTimeout('t1', sandboxId, 61_000)).rejects.toThrow(/longer than the maximum of 60 s/);
  });
});

describe('SandboxManager start and reconcile', () => {
  useFakeClock();

  it('re-adopts live sandboxes, reaps expired and exited ones, then collects garbage', async () => {
    const { backend, manager } = setup();
    const live = storedRecord({ sandboxId: 'live0000000000000000' });
    const expired = storedRecord({ sandboxId: 'expired0000000000000', expiresAt: new Date(Date.now() - 1) });
    const exited = storedRecord({ sandboxId: 'exited00000000000000', status: 'exited' });
    for (const record of [live, expired, exited]) backend.sandboxes.set(record.sandboxId, record);
    await manager.start();
    expect(manager.get('t1', live.sandboxId)).toEqual(live);
    expect(backend.destroyed.sort()).toEqual([exited.sandboxId, expired.sandboxId].sort());
    expect([...(backend.collected[0] ?? [])]).toEqual([live.sandboxId]);
  });

  it('expires re-adopted sandboxes on their persisted deadline', async () => {
    const { backend, manager } = setup();
    const soon = storedRecord({ expiresAt: new Date(Date.now() + 300) });
    backend.sandboxes.set(soon.sandboxId, soon);
    await manager.start();
    await vi.advanceTimersByTimeAsync(299);
    expect(backend.destroyed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.destroyed).toEqual([soon.sandboxId]);
  });

  it('drops sandboxes whose container exited or vanished and adopts strays', async () => {
    const { backend, manager } = setup();
    await manager.start();
    const crashed = await manager.create({ tenant: 't1', templateId: 'base' });
    const vanished = await manager.create({ tenant: 't1', templateId: 'base' });
    const stray = storedRecord({ sandboxId: 'stray000000000000000' });
    backend.markExited(crashed.sandboxId);
    backend.sandboxes.delete(vanished.sandboxId);
    backend.sandboxes.set(stray.sandboxId, stray);
    const removed: string[] = [];
    manager.onSandboxRemoved((record, reason) => removed.push(`${record.sandboxId}:${reason}`));
    await manager.reconcile();
    expect(manager.list('t1').map((r) => r.sandboxId)).toEqual([stray.sandboxId]);
    expect(removed.sort()).toEqual([`${crashed.sandboxId}:exited`, `${vanished.sandboxId}:disappeared from the backend`].sort());
  });

  it('runs reconcile periodically', async () => {
    const { backend, manager } = setup({ reconcileIntervalMs: 50 });
    await manager.start();
    const { sandboxId } = await manager.create({ tenant: 't1', templateId: 'base' });
    backend.markExited(sandboxId);
    expect(manager.lookup(sandboxId)).toBeDefined();
    await vi.advanceTimersByTimeAsync(50);
    expect(manager.lookup(sandboxId)).toBeUndefined();
  });
});

describe('SandboxManager when the backend fails or the runner crashed', () => {
  useFakeClock();

  it('reaps sandboxes whose create never completed, at start and at reconcile, and adopts the rest', async () => {
    const { backend, manager } = setup();
    const half = storedRecord({ sandboxId: 'h'.repeat(20), status: 'incomplete' });
    const whole = storedRecord({ sandboxId: 'w'.repeat(20) });
    backend.sandboxes.set(half.sandboxId, half);
    backend.sandboxes.set(whole.sandboxId, whole);
    await manager.start();
    expect(backend.destroyed).toEqual([half.sandboxId]);
    expect(manager.lookup(whole.sandboxId)).toBeDefined();
    expect(manager.lookup(half.sandboxId)).toBeUndefined();

    const later = storedRecord({ sandboxId: 'l'.repeat(20), status: 'incomplete' });
    backend.sandboxes.set(later.sandboxId, later);
    await manager.reconcile();
    expect(backend.destroyed).toEqual([half.sandboxId, later.sandboxId]);
    expect(manager.lookup(later.sandboxId)).toBeUndefined();
  });

  it('collects leftovers at every reconcile, sparing live sandboxes and those being removed', async () => {
    const { backend, manager } = setup();
    const live = storedRecord({ sandboxId: 'v'.repeat(20) });
    backend.sandboxes.set(live.sandboxId, live);
    await manager.start();
    await manager.reconcile();
    expect(backend.collected.at(-1)?.has(live.sandboxId)).toBe(true);
  });

  it('keeps a sandbox listed and served when its kill fails (the caller is told)', async () => {
    const { backend, manager } = setup();
    await manager.start();
    const record = await manager.create({ tenant: 't1', templateId: 'base' });
    backend.failDestroy = new Error('Docker is unreachable');
    await expect(manager.kill('t1', record.sandboxId)).rejects.toThrow('Docker is unreachable');
    expect(manager.get('t1', record.sandboxId).sandboxId).toBe(record.sandboxId);
    backend.failDestroy = undefined;
    await manager.kill('t1', record.sandboxId);
    expect(manager.lookup(record.sandboxId)).toBeUndefined();
  });

  it('retries the removal of an expired sandbox until the backend answers, never serving it meanwhile', async () => {
    const { backend, manager } = setup();
    await manager.start();
    backend.failDestroy = new Error('Docker is unreachable');
    const record = await manager.create({ tenant: 't1', templateId: 'base', timeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(50);
    expect(manager.lookup(record.sandboxId)).toBeUndefined();
    expect(backend.sandboxes.has(record.sandboxId)).toBe(true);
    // Retries back off from 1 s: the first (at 1 s) still fails, the second (2 s later) succeeds.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(backend.sandboxes.has(record.sandboxId)).toBe(true);
    backend.failDestroy = undefined;
    await vi.advanceTimersByTimeAsync(1_999);
    expect(backend.destroyed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(backend.destroyed).toEqual([record.sandboxId]);
    expect(backend.sandboxes.has(record.sandboxId)).toBe(false);
  });
});

describe('SandboxManager with a warm pool', () => {
  function pooled(overrides: Partial<SandboxManagerOptions> = {}) {
    const backend = new InMemoryBackend().withPool();
    return { backend, manager: setup({ backend, pool: { base: 1 }, ...overrides }).manager };
  }

  it('hands a pooled container over with everything a cold create would have given it', async () => {
    const { backend, manager } = pooled();
    await manager.start();
    await expect.poll(() => manager.pool?.ready()).toEqual({ base: 1 });
    const [pooledId] = [...backend.pooled.keys()];
    const record = await manager.create({
      tenant: 't1',
      templateId: 'base',
      timeoutMs: 60_000,
      metadata: { k: 'v' },
      envVars: { A: '1' },
      allowPublicTraffic: false,
      network: { egress: { allowOut: [], denyOut: [{ kind: 'cidr', cidr: '10.0.0.0/8' }], rules: {} }, allowPublicTraffic: false },
    });
    expect(record.sandboxId).toBe(pooledId);
    expect(record).toMatchObject({ tenant: 't1', metadata: { k: 'v' }, accessToken: expect.any(String), trafficAccessToken: expect.any(String) });
    expect(record.expiresAt.getTime() - record.startedAt.getTime()).toBe(60_000);
    expect(backend.handOvers).toEqual([
      {
        sandboxId: pooledId,
        owner: expect.objectContaining({ tenant: 't1', envVars: { A: '1' }, network: expect.objectContaining({ allowPublicTraffic: false }) }),
      },
    ]);
    expect(manager.get('t1', record.sandboxId)).toEqual(record);
  });

  it('never gives two sandboxes the same tokens', async () => {
    const { manager } = pooled();
    await manager.start();
    await expect.poll(() => manager.pool?.ready()).toEqual({ base: 1 });
    const warm = await manager.create({ tenant: 't1', templateId: 'base', allowPublicTraffic: false });
    const cold = await manager.create({ tenant: 't1', templateId: 'base', allowPublicTraffic: false });
    expect(warm.accessToken).not.toBe(cold.accessToken);
    expect(warm.trafficAccessToken).not.toBe(cold.trafficAccessToken);
  });

  it('creates cold what the pool cannot serve exactly, leaving the pooled container for others', async () => {
    const { backend, manager } = pooled();
    await manager.start();
    await expect.poll(() => manager.pool?.ready()).toEqual({ base: 1 });
    const record = await manager.create({ tenant: 't1', templateId: 'base', allowInternetAccess: false });
    expect(backend.pooled.has(record.sandboxId)).toBe(false);
    expect(backend.handOvers).toEqual([]);
    expect(manager.pool?.ready()).toEqual({ base: 1 });
  });

  it('creates cold when the hand-over fails (the pooled container is gone)', async () => {
    const { backend, manager } = pooled();
    await manager.start();
    await expect.poll(() => manager.pool?.ready()).toEqual({ base: 1 });
    const [pooledId] = [...backend.pooled.keys()];
    backend.failHandOver = new Error('agent gone');
    const record = await manager.create({ tenant: 't1', templateId: 'base' });
    expect(record.sandboxId).not.toBe(pooledId);
    expect(backend.destroyed).toContain(pooledId);
    expect(manager.list('t1').map((r) => r.sandboxId)).toEqual([record.sandboxId]);
  });

  it('skips a dead pooled container: the create takes the next ready one, and the dead one is removed', async () => {
    const { backend, manager } = pooled({ pool: { base: 2 } });
    await manager.start();
    await expect.poll(() => manager.pool?.ready()).toEqual({ base: 2 });
    const [dead, alive] = [...backend.pooled.keys()] as [string, string];
    backend.silentAgents.add(dead);
    const record = await manager.create({ tenant: 't1', templateId: 'base' });
    expect(record.sandboxId).toBe(alive);
    expect(backend.destroyed).toEqual([dead]);
    expect(manager.list('t1').map((r) => r.sandboxId)).toEqual([alive]);
  });

  it('counts pooled containers against the cap: a cold create at the cap evicts one, the pool never fills past it', async () => {
    const { backend, manager } = pooled({ maxSandboxes: 2, pool: { base: 1, 'code-interpreter-v1': 1 } });
    await manager.start();
    await expect.poll(() => backend.pooled.size).toBe(2);
    const offline = await manager.create({ tenant: 't1', templateId: 'base', allowInternetAccess: false });
    expect(backend.sandboxes.has(offline.sandboxId)).toBe(true);
    expect(backend.pooled.size + manager.list('t1').length).toBe(2);
    const warm = await manager.create({ tenant: 't1', templateId: [...backend.pooled.values()][0]?.templateId ?? 'base' });
    expect(backend.handOvers.map((h) => h.sandboxId)).toEqual([warm.sandboxId]);
    // Full: no refill, and a third create is refused as before.
    await expect(manager.create({ tenant: 't1', templateId: 'base' })).rejects.toThrow(QuotaExceededError);
    expect(backend.pooled.size).toBe(0);
    await manager.kill('t1', offline.sandboxId);
    await expect.poll(() => backend.pooled.size).toBe(1);
  });

  it('a backend without a pool makes every create cold', async () => {
    const { manager } = setup({ pool: { base: 2 } });
    await manager.start();
    expect(manager.pool).toBeUndefined();
    await expect(manager.create({ tenant: 't1', templateId: 'base' })).resolves.toMatchObject({ tenant: 't1' });
  });
});
