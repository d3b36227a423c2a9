import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import { pointClientsAt } from './clients.js';
import { DockerProxy } from '../support/docker-proxy.js';
import { findLeaks } from '../support/leak-check.js';
import { startRunner, type RunnerHandle } from '../support/runner.js';

/**
 * The runner dies, Docker goes away, the disk fills: afterwards live sandboxes are served again,
 * half-made ones are gone, and nothing leaks (containers, mounts, loop devices, uid claims,
 * firewall chains, files). Each scenario gets its own runner and ends with a full leak check.
 */

const UID_CLAIMS_DIR = '/run/codebox/sandbox-uids';
const CRASH_AT = 'CODEBOX_FAULT_CRASH_AT';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function api(runner: RunnerHandle, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${runner.url}${path}`, {
    method,
    headers: { 'X-API-KEY': runner.keys[0], ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Sandbox ids this runner has anything of: directories in its data dir, containers with its label. */
function sandboxIdsOnHost(runner: RunnerHandle): Set<string> {
  const ids = new Set<string>();
  const dir = join(runner.dataDir, 'sandboxes');
  if (existsSync(dir)) for (const name of readdirSync(dir)) if (/^[a-z0-9]{20}$/.test(name)) ids.add(name);
  const labels = execFileSync('docker', ['ps', '-a', '--filter', `label=codebox.runner=${runner.runnerName}`, '--format', '{{.Label "codebox.sandbox-id"}}'], {
    encoding: 'utf8',
  });
  for (const id of labels.split('\n')) if (id) ids.add(id);
  return ids;
}

function containerState(runner: RunnerHandle, sandboxId: string): string | undefined {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', `label=codebox.runner=${runner.runnerName}`, '--filter', `label=codebox.sandbox-id=${sandboxId}`, '--format', '{{.State}}'],
    { encoding: 'utf8' },
  ).trim();
  return out || undefined;
}

function uidClaimOf(sandboxId: string): string | undefined {
  if (!existsSync(UID_CLAIMS_DIR)) return undefined;
  return readdirSync(UID_CLAIMS_DIR).find((name) => {
    try {
      return readFileSync(join(UID_CLAIMS_DIR, name), 'utf8').trim() === sandboxId;
    } catch {
      return false;
    }
  });
}

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === path);
}

/** Nothing at all of this sandbox remains on the host. */
function expectGone(runner: RunnerHandle, sandboxId: string): void {
  expect(containerState(runner, sandboxId), `container of ${sandboxId}`).toBeUndefined();
  expect(existsSync(join(runner.dataDir, 'sandboxes', sandboxId)), `files of ${sandboxId}`).toBe(false);
  expect(uidClaimOf(sandboxId), `uid claim of ${sandboxId}`).toBeUndefined();
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('the runner is SIGKILLed', () => {
  let runner: RunnerHandle | undefined;
  afterAll(async () => {
    await runner?.close();
  });
  const fresh = async (): Promise<RunnerHandle> => {
    await runner?.close();
    runner = await startRunner();
    pointClientsAt(runner.url, runner.keys[0]);
    return runner;
  };

  it('mid-create at every stage: a restarted runner reaps the half-made sandbox, adopts the live ones, leaks nothing', async () => {
    const r = await fresh();
    const bystander = await Sandbox.create('code-interpreter-v1');
    expect((await bystander.runCode('x = 41')).error).toBeUndefined();
    const known = new Set([bystander.sandboxId]);

    // Evidence that the runner really stopped where the stage says, read before the restart.
    const stages: Array<[stage: string, evidence: (id: string) => void]> = [
      [
        'create:after-uid-claim',
        (id) => {
          expect(uidClaimOf(id)).toBeDefined();
          expect(existsSync(join(r.dataDir, 'sandboxes', id, 'uid'))).toBe(false);
          expect(containerState(r, id)).toBeUndefined();
        },
      ],
      [
        'create:after-home-disk',
        (id) => {
          expect(mounted(join(r.dataDir, 'sandboxes', id, 'home'))).toBe(true);
          expect(containerState(r, id)).toBeUndefined();
        },
      ],
      ['create:after-container-create', (id) => expect(containerState(r, id)).toBe('created')],
      ['create:after-container-start', (id) => expect(containerState(r, id)).toBe('running')],
      [
        'create:after-agent-health',
        (id) => {
          expect(containerState(r, id)).toBe('running');
          expect(existsSync(join(r.dataDir, 'sandboxes', id, 'creating'))).toBe(true);
        },
      ],
    ];

    const halfMade: string[] = [];
    for (const [stage, evidence] of stages) {
      await r.restart({ env: { [CRASH_AT]: stage } });
      const before = sandboxIdsOnHost(r);
      const create = await api(r, 'POST', '/sandboxes', { templateID: 'base' }).catch((error: Error) => error);
      expect(create, `create at ${stage} must die with the runner`).toBeInstanceOf(Error);
      await r.exited();
      const fresh = [...sandboxIdsOnHost(r)].filter((id) => !before.has(id));
      expect(fresh, `one half-made sandbox at ${stage}`).toHaveLength(1);
      const id = fresh[0] as string;
      evidence(id);
      halfMade.push(id);
      known.add(id);
    }

    // Recorded complete, killed before the 201: the caller never learnt the id, but the sandbox
    // is whole, so it is adopted (listed for its tenant, served) and ends with its timeout.
    await r.restart({ env: { [CRASH_AT]: 'create:before-response' } });
    const before = sandboxIdsOnHost(r);
    const unanswered = await api(r, 'POST', '/sandboxes', { templateID: 'base', timeout: 600 }).catch((error: Error) => error);
    expect(unanswered).toBeInstanceOf(Error);
    await r.exited();
    const complete = [...sandboxIdsOnHost(r)].filter((id) => !before.has(id));
    expect(complete).toHaveLength(1);
    const completeId = complete[0] as string;
    known.add(completeId);
    expect(existsSync(join(r.dataDir, 'sandboxes', completeId, 'creating'))).toBe(false);

    await r.restart();
    for (const id of halfMade) expectGone(r, id);
    const listed = (await (await api(r, 'GET', '/v2/sandboxes')).json()) as Array<{ sandboxID: string }>;
    expect(listed.map((s) => s.sandboxID).sort()).toEqual([bystander.sandboxId, completeId].sort());
    const adopted = await Sandbox.connect(completeId);
    expect((await adopted.commands.run('echo adopted')).stdout).toBe('adopted\n');
    // The bystander's kernel survived every crash with its state.
    expect((await bystander.runCode('x + 1')).text).toBe('42');

    await adopted.kill();
    await bystander.kill();
    expectGone(r, completeId);
    expectGone(r, bystander.sandboxId);
    // Stopped, not closed: close() force-removes what is left, which would hide a leak.
    await r.kill('SIGTERM');
    expect(findLeaks({ runnerName: r.runnerName, dataDir: r.dataDir, known, runnerStopped: true })).toEqual([]);
  });

  it('mid-execution: the sandbox is re-adopted, the interrupted kernel and commands work again', async () => {
    const r = await fresh();
    const sandbox = await Sandbox.create('code-interpreter-v1');
    expect((await sandbox.runCode('state = "kept"')).error).toBeUndefined();

    // A long runCode streaming output: the runner dies after the first lines arrived.
    let lines = 0;
    const running = sandbox
      .runCode('import time\nfor i in range(600):\n    print(i, flush=True)\n    time.sleep(0.1)', { timeoutMs: 120_000, onStdout: () => void lines++ })
      .then(
        () => 'finished',
        (error: Error) => error,
      );
    await waitFor('runCode output', () => lines >= 3);
    await r.kill('SIGKILL');
    expect(await running).toBeInstanceOf(Error);

    await r.restart();
    // The same kernel (state kept), no longer busy with the interrupted loop.
    const after = await sandbox.runCode('state', { timeoutMs: 30_000 });
    expect(after.text).toBe('kept');

    // The same for a streaming command.
    let chunks = 0;
    const command = sandbox.commands
      .run('for i in $(seq 600); do echo $i; sleep 0.1; done', { timeoutMs: 120_000, onStdout: () => void chunks++ })
      .then(
        () => 'finished',
        (error: Error) => error,
      );
    await waitFor('command output', () => chunks >= 3);
    await r.kill('SIGKILL');
    expect(await command).toBeInstanceOf(Error);
    await r.restart();
    expect((await sandbox.commands.run('echo again')).stdout).toBe('again\n');
    expect((await sandbox.runCode('1 + 1')).text).toBe('2');

    await sandbox.kill();
    await r.kill('SIGTERM');
    expect(findLeaks({ runnerName: r.runnerName, dataDir: r.dataDir, known: [sandbox.sandboxId], runnerStopped: true })).toEqual([]);
  });
});

/**
 * A runner whose Docker goes through a DockerProxy the test can cut or stall (clients pointed at
 * it); both are closed after the block.
 */
function runnerBehindDockerProxy(): (env: Readonly<Record<string, string>>) => Promise<{ r: RunnerHandle; p: DockerProxy }> {
  let runner: RunnerHandle | undefined;
  let proxy: DockerProxy | undefined;
  afterAll(async () => {
    await proxy?.restore();
    await runner?.close();
    await proxy?.close();
  });
  return async (env) => {
    proxy = await DockerProxy.start();
    runner = await startRunner({ env: { DOCKER_HOST: proxy.dockerHost, ...env } });
    pointClientsAt(runner.url, runner.keys[0]);
    return { r: runner, p: proxy };
  };
}

describe('Docker is unreachable for a while', () => {
  const start = runnerBehindDockerProxy();

  it('fails what needs Docker with a typed 503, keeps serving live sandboxes, reaps nothing live, catches up after', async () => {
    // A fast reconcile, so several rounds run (and must not reap) while Docker is away.
    const { r, p } = await start({ CODEBOX_RECONCILE_INTERVAL_SECONDS: '1' });
    const live = await Sandbox.create('base');
    const expiring = await Sandbox.create('base', { timeoutMs: 6_000 });
    const expiringAt = Date.now() + 6_000;

    await p.cut();
    const cutAt = Date.now();

    // Everything that needs Docker: create (several spellings of the request), kill.
    for (const body of [{ templateID: 'base' }, { templateID: 'code-interpreter-v1', timeout: 60 }, { templateID: 'base', allow_internet_access: false }]) {
      const started = Date.now();
      const res = await api(r, 'POST', '/sandboxes', body);
      expect(res.status, JSON.stringify(body)).toBe(503);
      expect(((await res.json()) as { message: string }).message).toMatch(/Docker is unreachable/);
      // Fails fast: no waiting on a dead socket (generous bound; it is a few ms).
      expect(Date.now() - started).toBeLessThan(5_000);
    }
    const kill = await api(r, 'DELETE', `/sandboxes/${live.sandboxId}`);
    expect(kill.status).toBe(503);
    expect(((await kill.json()) as { message: string }).message).toMatch(/Docker is unreachable/);
    // The failed kill left the sandbox as it was: listed and served.
    expect((await api(r, 'GET', `/sandboxes/${live.sandboxId}`)).status).toBe(200);

    // The data plane needs no Docker: the live sandbox's agent answers throughout.
    expect((await live.commands.run('echo still here')).stdout).toBe('still here\n');
    await live.files.write('/home/user/note', 'written while Docker was away');

    // Let the short sandbox's deadline pass and several reconciles fail to list.
    await sleep(Math.max(0, expiringAt - Date.now()) + 4_000);
    expect(r.pid(), 'the runner must not exit').toBeDefined();
    const listed = (await (await api(r, 'GET', '/v2/sandboxes')).json()) as Array<{ sandboxID: string }>;
    expect(listed.map((s) => s.sandboxID)).toEqual([live.sandboxId]);
    // Expired, so no longer served, but Docker could not remove it yet.
    expect(containerState(r, expiring.sandboxId)).toBe('running');
    expect((await live.commands.run('echo reconciled')).stdout).toBe('reconciled\n');
    expect(Date.now() - cutAt).toBeGreaterThan(8_000);

    await p.restore();
    // The expiry is retried: the sandbox goes soon after Docker is back.
    // The container goes first, its files (root mode: unmounts, disk) a moment later: wait for both.
    await waitFor(
      'the expired sandbox to be removed',
      () => containerState(r, expiring.sandboxId) === undefined && !existsSync(join(r.dataDir, 'sandboxes', expiring.sandboxId)),
      45_000,
    );
    expectGone(r, expiring.sandboxId);
    const again = await Sandbox.create('base');
    expect((await again.commands.run('echo new')).stdout).toBe('new\n');
    expect(await live.files.read('/home/user/note')).toBe('written while Docker was away');
    expect((await api(r, 'GET', '/v2/sandboxes').then((res) => res.json())) as unknown[]).toHaveLength(2);

    await again.kill();
    await live.kill();
    await r.kill('SIGTERM');
    expect(
      findLeaks({ runnerName: r.runnerName, dataDir: r.dataDir, known: [live.sandboxId, expiring.sandboxId, again.sandboxId], runnerStopped: true }),
    ).toEqual([]);
  });
});

describe('Docker accepts connections but never answers', () => {
  const start = runnerBehindDockerProxy();

  it('fails creates with a typed 503 at the Docker deadline, keeps serving, reaps the half-made sandbox, leaks nothing once Docker answers', async () => {
    const DEADLINE_S = 5;
    const { r, p } = await start({ CODEBOX_DOCKER_TIMEOUT_SECONDS: String(DEADLINE_S), CODEBOX_RECONCILE_INTERVAL_SECONDS: '1' });
    const live = await Sandbox.create('base');
    const known = new Set([live.sandboxId]);
    const expectTimeout = async (res: Response, call: RegExp): Promise<void> => {
      expect(res.status).toBe(503);
      const { message } = (await res.json()) as { message: string };
      expect(message).toMatch(new RegExp(`did not answer ${call.source} within ${DEADLINE_S} s`));
    };

    // Hung at the container create, at the removal its cleanup tries and at the reconcile's
    // listing: uid claimed, files and home disk made, then Docker says nothing. The half-made
    // sandbox is left for the reconcile once Docker answers.
    p.stall(/^(POST \S*\/containers\/create|DELETE \S*\/containers\/|GET \S*\/containers\/json)/);
    const before = sandboxIdsOnHost(r);
    const started = Date.now();
    const create = api(r, 'POST', '/sandboxes', { templateID: 'base' });
    await expect.poll(() => p.held, { timeout: 30_000 }).toBeGreaterThan(0);
    const halfMade = [...sandboxIdsOnHost(r)].filter((id) => !before.has(id));
    expect(halfMade).toHaveLength(1);
    const halfMadeId = halfMade[0] as string;
    known.add(halfMadeId);
    expect(uidClaimOf(halfMadeId)).toBeDefined();
    // While that create hangs, everything else is answered.
    expect((await api(r, 'GET', '/v2/sandboxes')).status).toBe(200);
    expect((await api(r, 'GET', `/sandboxes/${live.sandboxId}`)).status).toBe(200);
    expect(await live.isRunning()).toBe(true);
    expect((await live.commands.run('echo while hung')).stdout).toBe('while hung\n');
    await expectTimeout(await create, /POST \/containers\/create/);
    // Answered at the deadline (twice: the create, then its cleanup's removal), not never.
    expect(Date.now() - started).toBeLessThan(2 * DEADLINE_S * 1000 + 30_000);
    // The cleanup could not confirm the container gone, so it kept the files (and the claim).
    expect(existsSync(join(r.dataDir, 'sandboxes', halfMadeId, 'creating'))).toBe(true);
    expect(uidClaimOf(halfMadeId)).toBeDefined();

    // Docker hangs on everything: creates fail at their first Docker call, the data plane goes on.
    p.stall();
    await expectTimeout(await api(r, 'POST', '/sandboxes', { templateID: 'base' }), /GET \/images\/\S+\/json/);
    await sleep(2_000); // reconciles run (and time out) meanwhile
    expect(r.pid(), 'the runner must not exit').toBeDefined();
    const listed = (await (await api(r, 'GET', '/v2/sandboxes')).json()) as Array<{ sandboxID: string }>;
    expect(listed.map((s) => s.sandboxID)).toEqual([live.sandboxId]);
    expect((await live.commands.run('echo still here')).stdout).toBe('still here\n');

    // Docker answers again, held requests included: the hung create may now make its container
    // and the removal may come before or after it. Whatever is left of the half-made sandbox
    // (container, files, disk, claim) is reaped by the reconcile; new creates work.
    await p.restore();
    await expect.poll(() => p.late, { timeout: 30_000 }).toBe(0);
    await expect.poll(() => [...sandboxIdsOnHost(r)], { timeout: 30_000 }).toEqual([live.sandboxId]);
    expectGone(r, halfMadeId);
    const again = await Sandbox.create('base');
    known.add(again.sandboxId);
    expect((await again.commands.run('echo new')).stdout).toBe('new\n');

    await again.kill();
    await live.kill();
    await r.kill('SIGTERM');
    expect(findLeaks({ runnerName: r.runnerName, dataDir: r.dataDir, known, runnerStopped: true })).toEqual([]);
  });
});

describe('the data dir\'s disk fills', () => {
  let runner: RunnerHandle | undefined;
  const base = join(tmpdir(), `codebox-full-${randomBytes(4).toString('hex')}`);
  const image = `${base}.img`;
  const dataDir = join(base, 'data');
  afterAll(async () => {
    await runner?.close();
    execFileSync('bash', ['-c', `umount -l '${dataDir}' 2>/dev/null; rm -rf '${base}' '${image}'`]);
  });

  const freeBytes = (): number => Number(execFileSync('df', ['-B1', '--output=avail', dataDir], { encoding: 'utf8' }).split('\n')[1]);
  /** Takes all but `leaveBytes` of the data dir's free space (fallocate: real blocks, instantly). */
  const fill = (name: string, leaveBytes: number): void => {
    const take = freeBytes() - leaveBytes;
    if (take > 0) execFileSync('fallocate', ['-l', String(take), join(dataDir, name)]);
  };

  it('refuses creates with a typed 507 naming the data dir, keeps existing sandboxes, survives their I/O errors, recovers when freed', async () => {
    // A 128 MiB ext4 of our own as the data dir; no reserved blocks, so root fills it like anyone.
    mkdirSync(dataDir, { recursive: true });
    execFileSync('truncate', ['-s', '128M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
    execFileSync('mount', ['-o', 'loop', image, dataDir]);
    runner = await startRunner({ dataDir, env: { CODEBOX_SANDBOX_DISK_MIB: '64' } });
    const r = runner;
    pointClientsAt(r.url, r.keys[0]);
    const existing = await Sandbox.create('base');
    const known = new Set([existing.sandboxId]);

    fill('filler-1', 8 * 1024 * 1024);
    for (const body of [{ templateID: 'base' }, { templateID: 'code-interpreter-v1' }, { templateID: 'base', allow_internet_access: false, secure: false }]) {
      const res = await api(r, 'POST', '/sandboxes', body);
      expect(res.status, JSON.stringify(body)).toBe(507);
      const message = ((await res.json()) as { message: string }).message;
      expect(message).toContain(dataDir);
      expect(message).toMatch(/out of space/);
    }
    // Nothing half-made: only the existing sandbox has files, containers or a uid claim.
    expect([...sandboxIdsOnHost(r)]).toEqual([existing.sandboxId]);
    expect((await existing.commands.run('echo serving')).stdout).toBe('serving\n');

    // Not a byte left. The home image is sparse: the sandbox's writes need blocks the data dir
    // no longer has, so they fail with I/O errors inside the sandbox, and only there.
    fill('filler-2', 1024 * 1024);
    // The last blocks by plain writes until ENOSPC (fallocate needs room for its own extent tree).
    execFileSync('bash', ['-c', `dd if=/dev/zero of='${join(dataDir, 'filler-3')}' bs=1024 status=none 2>/dev/null; true`]);
    expect(freeBytes()).toBe(0);
    const timeout = await api(r, 'POST', `/sandboxes/${existing.sandboxId}/timeout`, { timeout: 120 });
    expect(timeout.status).toBe(507);
    const write = await existing.commands
      .run('dd if=/dev/urandom of=/home/user/big bs=1M count=48 conv=fsync status=none', { timeoutMs: 60_000 })
      .catch((error: { exitCode?: number; stderr?: string }) => error);
    expect(write).toMatchObject({ exitCode: expect.any(Number) });
    expect((write as { exitCode: number }).exitCode).not.toBe(0);
    expect((write as { stderr: string }).stderr).toMatch(/Input\/output error|No space left|Read-only file system/);
    expect(r.pid(), 'the runner must not exit').toBeDefined();
    expect((await existing.commands.run('echo alive')).stdout).toBe('alive\n');
    expect((await api(r, 'GET', '/v2/sandboxes')).status).toBe(200);

    rmSync(join(dataDir, 'filler-1'));
    rmSync(join(dataDir, 'filler-2'));
    rmSync(join(dataDir, 'filler-3'));
    // With room again the sandbox's own disk takes writes again.
    expect((await existing.commands.run('echo ok > /home/user/after && sync && cat /home/user/after')).stdout).toBe('ok\n');
    const after = await Sandbox.create('base');
    known.add(after.sandboxId);
    expect((await after.commands.run('echo fresh')).stdout).toBe('fresh\n');
    expect((await api(r, 'POST', `/sandboxes/${existing.sandboxId}/timeout`, { timeout: 120 })).status).toBe(204);

    await after.kill();
    await existing.kill();
    await r.kill('SIGTERM');
    expect(findLeaks({ runnerName: r.runnerName, dataDir, known, runnerStopped: true })).toEqual([]);
  });
});
