import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSandboxId } from '../sandboxes/sandbox-ids.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';
import type { TemplateImage } from '../templates/template-catalog.js';
import type { PoolShape } from './pool-eligibility.js';
import type { PoolSizes } from './pool-sizes.js';
import { pooledSandboxSpec } from './pooled-spec.js';
import { WarmPool } from './warm-pool.js';

const logger = pino({ level: 'silent' });
const limits = { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 };
const request = { allowInternetAccess: true, volumeMountCount: 0 };
const pools: WarmPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop()));
});

function setup(sizes: PoolSizes, options: { room?: () => boolean; backend?: InMemoryBackend } = {}) {
  const backend = options.backend ?? new InMemoryBackend().withPool();
  const templates = new InMemoryTemplateCatalog();
  const shapeOf = (template: TemplateImage): PoolShape => ({ image: template.image, runtime: 'runc', limits });
  const pool = new WarmPool({
    backend: backend.pool ?? expect.unreachable('pool'),
    destroy: (id) => backend.destroy(id),
    sizes,
    templates,
    shapeOf,
    specFor: (template, shape) => pooledSandboxSpec(template, shape, new Date(), new Date(Date.now() + 60_000)),
    hasRoom: options.room ?? (() => true),
    logger,
    retryMs: 60_000,
  });
  pools.push(pool);
  return { backend, pool, wanted: (name: string): PoolShape => ({ image: `codebox/${name}:latest`, runtime: 'runc', limits }) };
}

describe('WarmPool', () => {
  it('fills each template to its size in the background, and never a template of size 0', async () => {
    const { backend, pool } = setup({ 'code-interpreter-v1': 2, base: 1, other: 0 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ 'code-interpreter-v1': 2, base: 1 });
    expect(backend.pooled.size).toBe(3);
    expect(pool.count).toBe(3);
  });

  it('fills only while the budget has room', async () => {
    let room = 1;
    const { pool } = setup({ base: 3 }, { room: () => room-- > 0 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    expect(pool.count).toBe(1);
  });

  it('hands out a ready container of the template and refills behind it', async () => {
    const { pool, wanted } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    const taken = pool.take('base', request, wanted('base'));
    expect(taken).toMatchObject({ templateId: 'base', status: 'running' });
    expect(pool.ready()).toEqual({ base: 0 });
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    expect(pool.take('code-interpreter-v1', request, wanted('code-interpreter-v1'))).toBeUndefined();
  });

  it('keeps its container for others when the request cannot be served warm', async () => {
    const { pool, wanted } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    expect(pool.take('base', { allowInternetAccess: false, volumeMountCount: 0 }, wanted('base'))).toBeUndefined();
    expect(pool.ready()).toEqual({ base: 1 });
  });

  it('removes a container of an older template build instead of handing it out', async () => {
    const { backend, pool } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    const [stale] = [...backend.pooled.keys()];
    expect(pool.take('base', request, { image: 'codebox/base:newer', runtime: 'runc', limits })).toBeUndefined();
    await expect.poll(() => backend.destroyed).toContain(stale);
  });

  it('evicts a ready container for a cold create, and says when it holds none', async () => {
    const { backend, pool } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    const [victim] = [...backend.pooled.keys()];
    expect(await pool.evictOne()).toBe(true);
    expect(backend.destroyed).toEqual([victim]);
    expect(pool.count).toBe(0);
    expect(await pool.evictOne()).toBe(false);
    await pool.stop();
  });

  it('removes its ready containers when it stops, and fills no more', async () => {
    const { backend, pool } = setup({ base: 2 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 2 });
    const ready = [...backend.pooled.keys()];
    await pool.stop();
    expect(backend.destroyed.sort()).toEqual(ready.sort());
    expect(pool.count).toBe(0);
    pool.refill();
    expect(pool.count).toBe(0);
  });

  it('adopts what a previous runner left when it still fits, and removes the rest', async () => {
    const backend = new InMemoryBackend().withPool();
    const make = async (templateId: string, image: string, memoryMiB = limits.memoryMiB): Promise<string> => {
      const sandboxId = generateSandboxId();
      await backend.pool?.createPooled({
        sandboxId, tenant: '', templateId, image, metadata: {}, envVars: {}, allowInternetAccess: true,
        startedAt: new Date(), expiresAt: new Date(), limits: { ...limits, memoryMiB }, runtime: 'runc', pooled: true,
      });
      return sandboxId;
    };
    const fits = await make('base', 'codebox/base:latest');
    const overSize = await make('base', 'codebox/base:latest');
    const oldBuild = await make('code-interpreter-v1', 'codebox/code-interpreter-v1:older');
    const oldLimits = await make('code-interpreter-v1', 'codebox/code-interpreter-v1:latest', 1024);
    const noTemplate = await make('gone', 'codebox/gone:latest');
    const exited = await make('code-interpreter-v1', 'codebox/code-interpreter-v1:latest');
    const entry = backend.pooled.get(exited);
    if (entry) backend.pooled.set(exited, { ...entry, status: 'exited' });
    const { pool } = setup({ base: 1, 'code-interpreter-v1': 0 }, { backend });
    await pool.start();
    expect(pool.ready()).toEqual({ base: 1 });
    expect([...backend.pooled.keys()]).toEqual([fits]);
    expect(backend.destroyed.sort()).toEqual([overSize, oldBuild, oldLimits, noTemplate, exited].sort());
  });

  it('after a failed start it waits before trying again, instead of looping', async () => {
    const backend = new InMemoryBackend().withPool();
    backend.failCreate = new Error('docker away');
    const { pool } = setup({ base: 2 }, { backend });
    await pool.start();
    await expect.poll(() => pool.count).toBe(0);
    expect(pool.ready()).toEqual({});
  });
});
