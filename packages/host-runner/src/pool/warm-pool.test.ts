import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { PooledSandbox, SandboxOwner, SandboxRecord } from '../sandboxes/sandbox-backend.js';
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

const owner: SandboxOwner = {
  tenant: 't1',
  metadata: {},
  envVars: {},
  startedAt: new Date(),
  expiresAt: new Date(Date.now() + 60_000),
  network: { egress: { allowOut: [], denyOut: [], rules: {} }, allowPublicTraffic: true },
};

/** Log lines of one pool, parsed (for what it says and how often). */
function captureLogger(): { logger: pino.Logger; messages: () => string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), messages: () => lines.map((line) => (JSON.parse(line) as { msg: string }).msg) };
}

function setup(
  sizes: PoolSizes,
  options: { room?: () => boolean; backend?: InMemoryBackend; templates?: InMemoryTemplateCatalog; logger?: pino.Logger; refillDeferMs?: number } = {},
) {
  const backend = options.backend ?? new InMemoryBackend().withPool();
  const templates = options.templates ?? new InMemoryTemplateCatalog();
  const shapeOf = (template: TemplateImage): PoolShape => ({ image: template.image, runtime: 'runc', limits });
  const pool = new WarmPool({
    backend: backend.pool ?? expect.unreachable('pool'),
    destroy: (id) => backend.destroy(id),
    sizes,
    templates,
    shapeOf,
    specFor: (template, shape) => pooledSandboxSpec(template, shape, new Date(), new Date(Date.now() + 60_000)),
    hasRoom: options.room ?? (() => true),
    logger: options.logger ?? logger,
    retryMs: 60_000,
    checkMs: 0,
    ...(options.refillDeferMs === undefined ? {} : { refillDeferMs: options.refillDeferMs }),
  });
  pools.push(pool);
  const wanted = (name: string): PoolShape => ({ image: `codebox/${name}:latest`, runtime: 'runc', limits });
  /** A create served through the backend's hand-over, as the manager does; undefined: it would go cold. */
  const serve = (templateId: string, req = request, shape = wanted(templateId)): Promise<SandboxRecord | undefined> =>
    pool.serve(templateId, req, shape, (pooled: PooledSandbox) => (backend.pool ?? expect.unreachable('pool')).handOver(pooled.sandboxId, owner));
  return { backend, pool, wanted, serve };
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

  it('hands over a ready container of the template and refills behind it', async () => {
    const { backend, pool, serve } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    const [ready] = [...backend.pooled.keys()];
    expect(await serve('base')).toMatchObject({ sandboxId: ready, templateId: 'base', tenant: 't1' });
    expect(backend.handOvers.map((h) => h.sandboxId)).toEqual([ready]);
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    expect(await serve('code-interpreter-v1')).toBeUndefined();
  });

  it('keeps its container for others when the request cannot be served warm', async () => {
    const { backend, pool, serve } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    expect(await serve('base', { allowInternetAccess: false, volumeMountCount: 0 })).toBeUndefined();
    expect(pool.ready()).toEqual({ base: 1 });
    expect(backend.handOvers).toEqual([]);
  });

  it('removes a container of an older template build instead of handing it out', async () => {
    const { backend, pool, serve } = setup({ base: 1 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    const [stale] = [...backend.pooled.keys()];
    expect(await serve('base', request, { image: 'codebox/base:newer', runtime: 'runc', limits })).toBeUndefined();
    await expect.poll(() => backend.destroyed).toContain(stale);
  });

  it('after a failed hand-over tries the next ready container, and after a second goes cold', async () => {
    const { backend, pool, serve } = setup({ base: 3 }, { refillDeferMs: 60_000 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 3 });
    const [dead, alive, last] = [...backend.pooled.keys()] as [string, string, string];
    backend.silentAgents.add(dead);
    expect(await serve('base')).toMatchObject({ sandboxId: alive });
    expect(backend.destroyed).toEqual([dead]);
    await expect.poll(() => pool.ready()).toEqual({ base: 3 });
    const [next, after] = [last, ...[...backend.pooled.keys()].filter((id) => id !== last)] as [string, string];
    backend.silentAgents.add(next).add(after);
    expect(await serve('base')).toBeUndefined();
    expect(backend.destroyed).toEqual([dead, next, after]);
  });

  it('serves as many creates of a burst as it holds ready; the rest go cold at once, none waits for a fill', async () => {
    const { backend, pool, serve } = setup({ base: 2 }, { refillDeferMs: 60_000 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 2 });
    const served = await Promise.all(Array.from({ length: 5 }, () => serve('base')));
    expect(served.filter((record) => record !== undefined)).toHaveLength(2);
    expect(backend.handOvers).toHaveLength(2);
    await expect.poll(() => pool.ready()).toEqual({ base: 2 });
  });

  it('starts no refill while hand-overs are in flight, then fills once they are done', async () => {
    const { backend, pool } = setup({ base: 2 }, { refillDeferMs: 60_000 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 2 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = (p: PooledSandbox): Promise<SandboxRecord> => held.then(() => (backend.pool ?? expect.unreachable('pool')).handOver(p.sandboxId, owner));
    const burst = [pool.serve('base', request, { image: 'codebox/base:latest', runtime: 'runc', limits }, slow)];
    pool.refill();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(pool.ready()).toEqual({ base: 1 });
    release();
    expect(await burst[0]).toMatchObject({ tenant: 't1' });
    await expect.poll(() => pool.ready()).toEqual({ base: 2 });
  });

  it('refills anyway when hand-overs keep coming past refillDeferMs', async () => {
    const { backend, pool } = setup({ base: 1 }, { refillDeferMs: 20 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    const never = new Promise<SandboxRecord>(() => undefined);
    void pool.serve('base', request, { image: 'codebox/base:latest', runtime: 'runc', limits }, () => never);
    await expect.poll(() => pool.ready()).toEqual({ base: 1 });
    expect(backend.pooled.size).toBe(2);
  });

  it('a check removes and replaces ready containers whose container stopped or whose agent does not answer', async () => {
    const { backend, pool } = setup({ base: 3 });
    await pool.start();
    await expect.poll(() => pool.ready()).toEqual({ base: 3 });
    const [silent, exited, fine] = [...backend.pooled.keys()] as [string, string, string];
    backend.silentAgents.add(silent);
    const entry = backend.pooled.get(exited) ?? expect.unreachable('pooled');
    backend.pooled.set(exited, { ...entry, status: 'exited' });
    await pool.check();
    expect(backend.destroyed.sort()).toEqual([silent, exited].sort());
    await expect.poll(() => pool.ready()).toEqual({ base: 3 });
    expect(backend.pooled.has(fine)).toBe(true);
  });

  it('warns once that a configured template is missing, and says when it exists again', async () => {
    const capture = captureLogger();
    const templates = new InMemoryTemplateCatalog(['other']);
    const { pool } = setup({ base: 1, other: 1 }, { templates, logger: capture.logger });
    await pool.start();
    // A missing template holds up no other template's pool.
    await expect.poll(() => pool.ready()).toEqual({ other: 1 });
    for (let i = 0; i < 3; i++) {
      pool.refill();
      await expect.poll(() => pool.count).toBe(1);
      for (let j = 0; j < 5; j++) await new Promise((r) => setImmediate(r));
    }
    const missing = 'pool configured for a template that does not exist; not filling it until it does';
    expect(capture.messages().filter((m) => m === missing)).toHaveLength(1);
    templates.add('base');
    pool.refill();
    await expect.poll(() => pool.ready()).toEqual({ base: 1, other: 1 });
    expect(capture.messages()).toContain('template of a configured pool exists now; filling its pool');
    pool.refill();
    expect(capture.messages().filter((m) => m === missing)).toHaveLength(1);
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
