import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { Sandbox as InterpreterSandbox } from '@e2b/code-interpreter';
import * as codebox from '@codebox/core-client';
import { Sandbox } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetnsTargets, TARGETS_PROBE, type NetnsTargets } from '../support/netns-targets.js';
import { pooledContainers as pooledContainersOf, poolReady as poolReadyOf, waitingPooledIds } from '../support/warm-pool.js';
import { useRunner } from '../support/use-runner.js';

/**
 * The warm pool (packages/host-runner/src/pool/) through the official SDKs and our client, one
 * runner with a pool of one `code-interpreter-v1` container and a cap of four containers: a warm
 * and a cold sandbox made from the same request are the same to their owner (environment of
 * commands and kernels, info, list, expiry, egress rules); the pool refills; a cold create at the
 * cap evicts the pooled container; a restarted runner adopts what it left, reaps a hand-over it
 * died in, and with the pool off removes the pooled containers.
 */
const TEMPLATE = 'code-interpreter-v1';
// A /30 of TEST-NET-3 of this run's own (others' runs pick theirs), allowed as global for this runner.
const BASE = 4 * randomInt(8, 64);
const RANGE = `203.0.113.${BASE}/30`;
const T1 = `203.0.113.${BASE + 1}`;
const T2 = `203.0.113.${BASE + 2}`;
const REFUSED = 'error:111';
const MAX = 4;

const runner = useRunner({ env: { CODEBOX_POOL: `${TEMPLATE}=1`, CODEBOX_MAX_SANDBOXES: String(MAX), CODEBOX_EGRESS_ALLOW: RANGE } });

let targets: NetnsTargets | undefined;
const open: Array<{ kill(): Promise<unknown> }> = [];

beforeAll(async () => {
  targets = await startNetnsTargets({ addresses: [T1, T2] });
});

afterAll(async () => {
  await Promise.allSettled(open.map((sandbox) => sandbox.kill()));
  await targets?.close();
});

const pooledContainers = (): Array<{ id: string; owned: boolean }> => pooledContainersOf(runner());
const waitingIds = (): string[] => waitingPooledIds(runner());
const poolReady = (): Promise<string[]> => poolReadyOf(runner());

async function probe(sandbox: Sandbox): Promise<Record<string, string>> {
  await sandbox.files.write('/home/user/probe.py', TARGETS_PROBE);
  const run = await sandbox.commands.run(`python3 /home/user/probe.py '${JSON.stringify([T1, T2])}'`, { timeoutMs: 30_000 });
  return JSON.parse(run.stdout) as Record<string, string>;
}

const OPTIONS = {
  metadata: { purpose: 'warm-pool' },
  envs: { GREETING: 'hi', PATH: '/opt/custom/bin:/usr/bin:/bin' },
  timeoutMs: 120_000,
  network: { denyOut: [T2], allowPublicTraffic: false },
};

describe('hand-over exactness', () => {
  it('a warm and a cold sandbox from the same request are the same to their owner', async () => {
    const [pooledId] = await poolReady();
    // Two at once with one container waiting: one takes it, the other starts cold.
    const pair = await Promise.all([InterpreterSandbox.create(TEMPLATE, OPTIONS), InterpreterSandbox.create(TEMPLATE, OPTIONS)]);
    open.push(...pair);
    const warm = pair.find((s) => s.sandboxId === pooledId);
    const cold = pair.find((s) => s.sandboxId !== pooledId);
    if (!warm || !cold) throw new Error(`expected one sandbox to be the pooled ${pooledId}, got ${pair.map((s) => s.sandboxId).join(', ')}`);
    expect(pooledContainers().map((c) => c.id)).not.toContain(cold.sandboxId);

    // Commands and the default Python kernel see the same environment.
    const env = async (s: InterpreterSandbox): Promise<string> => (await s.commands.run('env | sort')).stdout;
    expect(await env(warm)).toBe(await env(cold));
    expect(await env(warm)).toContain('GREETING=hi');
    const kernelEnv = async (s: InterpreterSandbox): Promise<Record<string, string>> =>
      JSON.parse((await s.runCode('import os, json; print(json.dumps(dict(os.environ)))')).logs.stdout.join('')) as Record<string, string>;
    const warmKernel = await kernelEnv(warm);
    expect(warmKernel).toEqual(await kernelEnv(cold));
    expect(warmKernel).toMatchObject({ GREETING: 'hi', PATH: '/opt/custom/bin:/usr/bin:/bin' });

    // Info, list, expiry and tokens: fresh per sandbox, shaped as a cold one's.
    const stable = (info: Awaited<ReturnType<typeof Sandbox.getInfo>>): Record<string, unknown> => {
      const { sandboxId: _id, startedAt, endAt, ...rest } = info;
      return { ...rest, lifetimeMs: endAt.getTime() - startedAt.getTime() };
    };
    const [warmInfo, coldInfo] = await Promise.all([Sandbox.getInfo(warm.sandboxId), Sandbox.getInfo(cold.sandboxId)]);
    expect(stable(warmInfo)).toEqual(stable(coldInfo));
    expect(stable(warmInfo)).toMatchObject({ metadata: OPTIONS.metadata, lifetimeMs: 120_000, templateId: TEMPLATE });
    expect(warm.trafficAccessToken).toEqual(expect.any(String));
    expect(warm.trafficAccessToken).not.toBe(cold.trafficAccessToken);
    const tokenOf = async (id: string): Promise<unknown> =>
      ((await (await fetch(`${runner().url}/sandboxes/${id}`, { headers: { 'X-API-KEY': runner().keys[0] } })).json()) as { envdAccessToken?: string }).envdAccessToken;
    const [warmToken, coldToken] = await Promise.all([tokenOf(warm.sandboxId), tokenOf(cold.sandboxId)]);
    expect(warmToken).toEqual(expect.any(String));
    expect(warmToken).not.toBe(coldToken);
    const listed = await Sandbox.list({ query: { metadata: OPTIONS.metadata } }).nextItems();
    expect(listed.map((s) => s.sandboxId).sort()).toEqual([warm.sandboxId, cold.sandboxId].sort());

    // The same egress rule holds for both (issue 11: rules apply to pooled sandboxes as to cold ones).
    expect(await probe(warm)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
    expect(await probe(cold)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
    // And so does a later update (the handed-over sandbox's owner comes from its owner file).
    await warm.updateNetwork({ denyOut: [T1] });
    expect(await probe(warm)).toEqual({ [T1]: REFUSED, [T2]: 'reached' });
  });

  it('the pool refills in the background after a hand-over', async () => {
    expect(await poolReady()).toHaveLength(1);
  });

  it('our client gets a warm sandbox too, with its env vars in commands and the kernel', async () => {
    const [pooledId] = await poolReady();
    const sandbox = await codebox.Sandbox.create(TEMPLATE, { envs: { FROM: 'codebox' } });
    open.push(sandbox);
    expect(sandbox.sandboxId).toBe(pooledId);
    expect((await sandbox.commands.run('echo $FROM')).stdout.trim()).toBe('codebox');
    expect((await sandbox.runCode('import os; print(os.environ["FROM"])')).logs.stdout.join('').trim()).toBe('codebox');
  });

  it('a pooled container that died is never handed out: the create still succeeds, and the pool replaces it', async () => {
    const [deadId] = await poolReady();
    execFileSync('docker', ['kill', `codebox-${deadId}`]);
    const sandbox = await Sandbox.create(TEMPLATE);
    expect(sandbox.sandboxId).not.toBe(deadId);
    expect((await sandbox.commands.run('echo ok')).stdout.trim()).toBe('ok');
    expect(runner().output()).toMatch(new RegExp(`"sandboxId":"${deadId}".*"msg":"hand-over of a pooled container failed`));
    expect(pooledContainers().map((c) => c.id)).not.toContain(deadId);
    // Room for the replacement (the cap of four is full with it).
    await sandbox.kill();
    const [replacement] = await poolReady();
    expect(replacement).not.toBe(deadId);
  });
});

describe('budget and restart', () => {
  it('a cold create at the cap evicts the pooled container instead of failing', async () => {
    const [pooledId] = await poolReady();
    // Three sandboxes live + one pooled = the cap of four; offline cannot be served warm.
    const offline = await Sandbox.create(TEMPLATE, { allowInternetAccess: false });
    open.push(offline);
    expect(offline.sandboxId).not.toBe(pooledId);
    expect(pooledContainers().map((c) => c.id)).not.toContain(pooledId);
    // Full: no room to refill until a sandbox goes.
    expect(waitingIds()).toEqual([]);
    await offline.kill();
    await poolReady();
  });

  it('a runner restarted after a crash adopts its pooled container and keeps the handed-over sandboxes as they were', async () => {
    const [pooledId] = await poolReady();
    const before = (await Sandbox.list().nextItems()).map(({ sandboxId, metadata, startedAt, endAt }) => ({ sandboxId, metadata, startedAt, endAt }));
    await runner().kill('SIGKILL');
    await runner().restart({ env: { CODEBOX_POOL: `${TEMPLATE}=1` } });
    expect(waitingIds()).toEqual([pooledId]);
    const after = (await Sandbox.list().nextItems()).map(({ sandboxId, metadata, startedAt, endAt }) => ({ sandboxId, metadata, startedAt, endAt }));
    expect(after.sort((a, b) => a.sandboxId.localeCompare(b.sandboxId))).toEqual(before.sort((a, b) => a.sandboxId.localeCompare(b.sandboxId)));
    // The adopted container serves the next create.
    const next = await Sandbox.create(TEMPLATE);
    expect(next.sandboxId).toBe(pooledId);
    expect((await next.commands.run('echo ok')).stdout.trim()).toBe('ok');
    // Room for the refill the next test waits for (the cap is full otherwise).
    await next.kill();
  });

  it('a runner killed mid-hand-over leaves nothing its successor serves: the half-handed-over sandbox is reaped', async () => {
    await runner().restart({ env: { CODEBOX_POOL: `${TEMPLATE}=1`, CODEBOX_FAULT_CRASH_AT: 'handover:after-owner-file' } });
    const [pooledId = 'none'] = await poolReady();
    await expect(Sandbox.create(TEMPLATE, { requestTimeoutMs: 30_000 })).rejects.toThrow();
    await runner().exited();
    await runner().restart({ env: { CODEBOX_POOL: `${TEMPLATE}=1` } });
    expect((await Sandbox.list().nextItems()).map((s) => s.sandboxId)).not.toContain(pooledId);
    expect(pooledContainers().map((c) => c.id)).not.toContain(pooledId);
    expect(existsSync(join(runner().dataDir, 'sandboxes', pooledId))).toBe(false);
  });

  it('a runner restarted with the pool off after a crash removes the pooled container and leaks nothing of it', async () => {
    const [pooledId = 'none'] = await poolReady();
    await runner().kill('SIGKILL');
    await runner().restart({ env: { CODEBOX_POOL: `${TEMPLATE}=0` } });
    expect(pooledContainers().map((c) => c.id)).not.toContain(pooledId);
    expect(existsSync(join(runner().dataDir, 'sandboxes', pooledId))).toBe(false);
  });

  it('a runner that stops removes its pooled containers itself (nothing nobody owns keeps running)', async () => {
    await runner().restart({ env: { CODEBOX_POOL: `${TEMPLATE}=1` } });
    const [pooledId = 'none'] = await poolReady();
    await runner().kill('SIGTERM');
    expect(pooledContainers().map((c) => c.id)).not.toContain(pooledId);
    expect(existsSync(join(runner().dataDir, 'sandboxes', pooledId))).toBe(false);
    await runner().restart({ env: { CODEBOX_POOL: `${TEMPLATE}=0` } });
  });
});
