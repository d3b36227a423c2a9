import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectProbeArgv, connectProbeSource } from '../../../../test/support/connect-probe.js';
import { ownSandbox, type OwnSandbox } from '../../../../test/support/own-sandbox.js';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { containerName } from './container-spec.js';
import { createDockerClient } from './docker-client.js';
import { DockerBackend } from './docker-backend.js';
import { TemplateAccountsError } from './errors.js';
import { runHostCommand } from '../host/host-command.js';
import { mountPoints } from './home-disk.js';
import { sandboxNetworkNames } from './sandbox-network.js';
import { sandboxPaths } from './sandbox-paths.js';
import { killUidInContainer, pidsCounters } from './testing/container-pids.js';
import { execIn, type ExecResult } from './testing/exec.js';
import { FIXTURE_TEMPLATE, buildFixtureTemplate } from './testing/fixture-template.js';

const docker = createDockerClient();
const logger = pino({ level: process.env.LOG_LEVEL ?? 'error' });
const runnerName = `it-${randomBytes(3).toString('hex')}`;
let dataDir: string;
let image: string;
let backend: DockerBackend;

function newId(): string {
  return randomBytes(10).toString('hex');
}

function spec(overrides: Partial<SandboxSpec> = {}): SandboxSpec {
  const now = Date.now();
  return {
    sandboxId: newId(),
    tenant: 't'.repeat(32),
    templateId: FIXTURE_TEMPLATE,
    image,
    metadata: { test: 'docker-backend' },
    envVars: { GREETING: 'hi' },
    allowInternetAccess: false,
    startedAt: new Date(now),
    expiresAt: new Date(now + 300_000),
    limits: { cpuCount: 1, memoryMiB: 256, diskMiB: 64, pids: 64 },
    ...overrides,
  };
}

const UID_CLAIMS = '/run/codebox/sandbox-uids';

async function expectNothingLeft(sandboxId: string): Promise<void> {
  const paths = sandboxPaths(dataDir, sandboxId);
  await expect(docker.getContainer(containerName(sandboxId)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  expect(existsSync(paths.root)).toBe(false);
  expect((await mountPoints()).has(paths.homeMount)).toBe(false);
  expect(await runHostCommand('losetup', ['-j', paths.homeImage])).toBe('');
  // Its host uid is free again (the claim names the sandbox that holds it).
  const claims = await readdir(UID_CLAIMS).catch(() => []);
  const holders = await Promise.all(claims.map((uid) => readFile(join(UID_CLAIMS, uid), 'utf8').catch(() => '')));
  expect(holders.map((h) => h.trim())).not.toContain(sandboxId);
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebox-it-'));
  image = await buildFixtureTemplate(dataDir, logger);
  backend = new DockerBackend({ runnerName, dataDir, logger, healthTimeoutMs: 20_000 });
  await backend.start();
});

afterAll(async () => {
  for (const record of (await backend?.list()) ?? []) await backend.destroy(record.sandboxId);
  await backend?.stop();
  const names = sandboxNetworkNames(runnerName);
  await expect(runHostCommand('iptables', ['-w', '-S', names.inputChain])).rejects.toThrow();
  await expect(runHostCommand('iptables', ['-w', '-S', names.forwardChain])).rejects.toThrow();
  await expect(docker.getNetwork(names.network).inspect()).rejects.toMatchObject({ statusCode: 404 });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  for (const fixture of await docker.listImages({ filters: { label: [`codebox.template=${FIXTURE_TEMPLATE}`] } })) {
    await docker.getImage(fixture.Id).remove({ force: true }).catch(() => undefined);
  }
  await docker.getImage(`codebox-build/${FIXTURE_TEMPLATE}:latest`).remove({ force: true }).catch(() => undefined);
});

describe('DockerBackend lifecycle', () => {
  it('creates a sandbox whose agent answers, lists it from labels, and destroys it without leftovers', async () => {
    const s = spec({ accessToken: 'secret-token' });
    const record = await backend.create(s);
    expect(record.status).toBe('running');
    expect(existsSync(record.agentSocketPath)).toBe(true);

    const listed = (await backend.list()).find((r) => r.sandboxId === s.sandboxId);
    expect(listed).toMatchObject({ tenant: s.tenant, templateId: FIXTURE_TEMPLATE, accessToken: 'secret-token', status: 'running', limits: s.limits });
    expect(listed?.expiresAt).toEqual(s.expiresAt);

    const later = new Date(s.expiresAt.getTime() + 60_000);
    await backend.setExpiry(s.sandboxId, later);
    expect((await backend.list()).find((r) => r.sandboxId === s.sandboxId)?.expiresAt).toEqual(later);

    const inspect = await docker.getContainer(containerName(s.sandboxId)).inspect();
    expect(inspect.Config.Env).toContain('CODEBOX_SANDBOX_ENVS={"GREETING":"hi"}');

    await backend.destroy(s.sandboxId);
    await backend.destroy(s.sandboxId);
    await expectNothingLeft(s.sandboxId);
  });

  it('leaves nothing behind when the image is no template (no agent, no user)', async () => {
    const s = spec({ image: `codebox/rootfs:${await rootfsTag()}` });
    await expect(backend.create(s)).rejects.toBeInstanceOf(TemplateAccountsError);
    await expectNothingLeft(s.sandboxId);
  });

  it('leaves nothing behind when the image does not exist', async () => {
    const s = spec({ image: 'codebox/no-such-template:latest' });
    await expect(backend.create(s)).rejects.toMatchObject({ statusCode: 404 });
    await expectNothingLeft(s.sandboxId);
  });

  it('reports a sandbox that died as exited, and collectGarbage removes files without a container', async () => {
    const s = spec();
    await backend.create(s);
    await docker.getContainer(containerName(s.sandboxId)).kill();
    await expect.poll(async () => (await backend.list()).find((r) => r.sandboxId === s.sandboxId)?.status).toBe('exited');
    expect(await backend.inspectExit(s.sandboxId)).toMatchObject({ running: false, exitCode: 137 });

    // Simulate a crash that left the disk mounted but lost the container.
    await docker.getContainer(containerName(s.sandboxId)).remove({ force: true });
    expect(existsSync(sandboxPaths(dataDir, s.sandboxId).root)).toBe(true);
    await backend.collectGarbage(new Set());
    await expectNothingLeft(s.sandboxId);
  });
});

async function rootfsTag(): Promise<string> {
  const images = await docker.listImages({ filters: { label: ['codebox.rootfs'] } });
  const tag = images.flatMap((i) => i.RepoTags ?? []).find((t) => t.startsWith('codebox/rootfs:'));
  if (!tag) throw new Error('no codebox/rootfs image; the fixture build should have made one');
  return tag.split(':')[1] ?? '';
}

/** A sandbox of the backend for one test (named if the test fails, destroyed at the end of its scope). */
async function ownBackendSandbox(overrides: Partial<SandboxSpec> = {}): Promise<OwnSandbox<string> & { run(argv: string[]): Promise<ExecResult> }> {
  const own = await ownSandbox({
    create: async () => (await backend.create(spec(overrides))).sandboxId,
    label: (sandboxId) => ({ sandboxId, template: FIXTURE_TEMPLATE, runtime: 'runc' }),
    kill: (sandboxId) => backend.destroy(sandboxId),
  });
  return Object.assign(own, { run: (argv: string[]) => execIn(docker.getContainer(containerName(own.sandbox)), argv) });
}

describe("hardening, seen by user code (the sandbox's own uid via docker exec)", () => {
  // The checks that only look share one sandbox; each case that exhausts a resource gets its own
  // (ownBackendSandbox), so its damage can never fail the next case.
  let sandboxId: string;
  const run = (argv: string[]) => execIn(docker.getContainer(containerName(sandboxId)), argv);

  beforeAll(async () => {
    sandboxId = (await backend.create(spec())).sandboxId;
  });
  afterAll(() => backend.destroy(sandboxId));

  it("has no capabilities, no-new-privileges and the sandbox's own host uid", async () => {
    const status = (await run(['cat', '/proc/self/status'])).output;
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^CapPrm:\s+0+$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    const uid = (await docker.getContainer(containerName(sandboxId)).inspect()).Config.Labels['codebox.uid'];
    expect(Number(uid)).toBeGreaterThanOrEqual(1_000_000_000);
    expect((await run(['id', '-u'])).output.trim()).toBe(uid);
    expect((await run(['id', '-un'])).output.trim()).toBe('user');
  });

  it('has a read-only root filesystem and no agent socket access', async () => {
    const write = await run(['sh', '-c', 'echo x > /etc/x']);
    expect(write.exitCode).not.toBe(0);
    expect(write.output).toMatch(/Read-only file system/);
    expect((await run(['ls', '/run/codebox'])).output).toMatch(/Permission denied/);
  });

  it('has only the loopback interface without internet access', async () => {
    const ifaces = (await run(['ls', '/sys/class/net'])).output.trim().split(/\s+/);
    expect(ifaces).toEqual(['lo']);
  });

  it('caps /tmp at 64 MiB', async () => {
    await using own = await ownBackendSandbox();
    const fill = await own.run(['sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=100; rc=$?; rm -f /tmp/fill; exit $rc']);
    expect(fill.exitCode).toBe(1);
    expect(fill.output).toMatch(/No space left on device/);
    expect(fill.output).toMatch(/^67108864 bytes/m);
  });

  it('stops a disk fill at the limit with ENOSPC, without touching the host disk', async () => {
    await using own = await ownBackendSandbox();
    const fill = await own.run(['sh', '-c', 'dd if=/dev/zero of=/home/user/fill bs=1M count=200; rc=$?; df -m /home/user | tail -1; exit $rc']);
    expect(fill.exitCode).toBe(1);
    expect(fill.output).toMatch(/No space left on device/);
    // Everything the sandbox wrote landed in its own sparse 64 MiB image: the host holds at most
    // that much for it, never the attempted 200 MiB. (Measured on the image itself, not with a
    // host-wide df, which other work on the machine would disturb.)
    const allocatedMiB = Number((await runHostCommand('du', ['-m', sandboxPaths(dataDir, own.sandbox).homeImage])).split('\t')[0]);
    expect(allocatedMiB).toBeGreaterThan(32);
    expect(allocatedMiB).toBeLessThanOrEqual(66);
  });

  it('contains a fork bomb at the pids limit, and the sandbox serves again once the bomb is killed', async () => {
    await using own = await ownBackendSandbox();
    const container = docker.getContainer(containerName(own.sandbox));
    const before = await pidsCounters(container);
    expect(before).toMatchObject({ max: '64', refused: 0 });
    const bomb = await own.run(['timeout', '10', 'bash', '-c', 'f() { f | f & }; f; sleep 5']);
    expect(bomb.output).toMatch(/fork: (retry: )?Resource temporarily unavailable/);
    // The pids controller, not anything else, stopped it: forks were refused at the limit.
    const during = await pidsCounters(container);
    expect(during.refused).toBeGreaterThan(0);
    expect(during.current).toBeLessThanOrEqual(64);
    // The bomb's orphans outlive `timeout`; killing them from inside would need a free pid.
    const uid = Number((await container.inspect()).Config.Labels['codebox.uid']);
    await killUidInContainer(container, uid);
    await expect.poll(async () => (await pidsCounters(container)).current, { timeout: 30_000 }).toBeLessThanOrEqual(before.current);
    expect(await own.run(['echo', 'alive'])).toEqual({ exitCode: 0, output: 'alive\n' });
    expect(await backend.inspectExit(own.sandbox)).toMatchObject({ running: true });
  });

  it('OOM-kills a process that exceeds the memory limit, and the sandbox survives', async () => {
    await using own = await ownBackendSandbox();
    const hog = await own.run(['python3', '-c', 'b = bytearray(600 * 1024 * 1024); print("allocated")']);
    expect(hog.exitCode).toBe(137);
    expect(hog.output).not.toContain('allocated');
    expect(await own.run(['echo', 'alive'])).toEqual({ exitCode: 0, output: 'alive\n' });
    expect(await backend.inspectExit(own.sandbox)).toMatchObject({ running: true });
  });
});

describe('tmpfs home fallback', () => {
  it('gives user a writable /home/user capped at the disk limit (or half the memory)', async () => {
    const tmpfsBackend = new DockerBackend({ runnerName: `${runnerName}-t`, dataDir, logger, homeDisk: 'tmpfs' });
    await tmpfsBackend.start();
    const s = spec({ limits: { cpuCount: 1, memoryMiB: 256, diskMiB: 32, pids: 64 } });
    try {
      await tmpfsBackend.create(s);
      const container = docker.getContainer(containerName(s.sandboxId));
      const fill = await execIn(container, ['sh', '-c', 'dd if=/dev/zero of=/home/user/fill bs=1M count=64; stat -f -c "%T" /home/user']);
      expect(fill.output).toMatch(/No space left on device/);
      expect(fill.output).toMatch(/^33554432 bytes/m);
      expect(fill.output).toMatch(/tmpfs/);
      expect(existsSync(sandboxPaths(dataDir, s.sandboxId).homeImage)).toBe(false);
    } finally {
      await tmpfsBackend.destroy(s.sandboxId);
      await tmpfsBackend.stop();
    }
    await expectNothingLeft(s.sandboxId);
  });
});

describe('a start that fails', () => {
  it('says the egress proxy port is taken, and leaves no network, firewall chain or listener behind', async () => {
    // Another process holding the proxy's port on every address (a stale runner did, on its gateway).
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const port = (holder.address() as AddressInfo).port;
    const name = `${runnerName}-p`;
    const names = sandboxNetworkNames(name);
    try {
      const failing = new DockerBackend({ runnerName: name, dataDir, logger, egressProxyPort: port });
      await expect(failing.start()).rejects.toMatchObject({ name: 'EgressProxyPortInUseError', port });
      await expect(docker.getNetwork(names.network).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(runHostCommand('iptables', ['-w', '-S', names.inputChain])).rejects.toThrow();
      await expect(runHostCommand('iptables', ['-w', '-S', names.forwardChain])).rejects.toThrow();
      await expect(runHostCommand('iptables', ['-w', '-t', 'nat', '-S', names.egressRedirectChain])).rejects.toThrow();
    } finally {
      holder.close();
    }
    // The port free again, the same runner starts (nothing half-made was left in its way).
    const again = new DockerBackend({ runnerName: name, dataDir, logger, egressProxyPort: port });
    await again.start();
    await again.stop();
    await expect(docker.getNetwork(names.network).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('network with internet access', () => {
  const SANDBOX_PORT = 8000;
  let a: string;
  let b: string;
  let server: Server;
  let port: number;

  async function probe(from: string, host: string, p: number): Promise<string> {
    return (await execIn(docker.getContainer(containerName(from)), connectProbeArgv(host, p))).output.trim();
  }

  beforeAll(async () => {
    a = (await backend.create(spec({ allowInternetAccess: true }))).sandboxId;
    b = (await backend.create(spec({ allowInternetAccess: true }))).sandboxId;
    server = createServer((sock) => {
      // Probes close without reading; a reset is expected, not an error.
      sock.on('error', () => undefined);
      sock.end('hello\n');
    });
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    port = (server.address() as { port: number }).port;
    // Every case's target exists before any case runs: a listener in sandbox a, up once a probe
    // from inside a itself connects.
    await execIn(docker.getContainer(containerName(a)), ['sh', '-c', `nohup python3 -m http.server ${SANDBOX_PORT} --bind 0.0.0.0 >/dev/null 2>&1 &`]);
    await vi.waitFor(async () => expect(await probe(a, '127.0.0.1', SANDBOX_PORT)).toBe('CONNECTED'), { timeout: 30_000, interval: 200 });
  });
  afterAll(async () => {
    server.close();
    await backend.destroy(a);
    await backend.destroy(b);
  });

  async function addresses(id: string): Promise<{ ip: string; gateway: string }> {
    const net = (await docker.getContainer(containerName(id)).inspect()).NetworkSettings.Networks[sandboxNetworkNames(runnerName).network];
    return { ip: net?.IPAddress ?? '', gateway: net?.Gateway ?? '' };
  }

  it('the probe tells a connect, a refusal and a drop apart where nothing blocks it', async () => {
    expect(await probe(a, '127.0.0.1', SANDBOX_PORT)).toBe('CONNECTED');
    // Nothing listens on port 1 in the sandbox: reached, refused.
    expect(await probe(a, '127.0.0.1', 1)).toBe('REFUSED');
    // And the host listener really is up, seen from the host.
    expect((await runHostCommand('python3', ['-c', connectProbeSource('127.0.0.1', port)])).trim()).toBe('CONNECTED');
  });

  it('cannot reach the host via its gateway, docker0 or the host eth0 address: the firewall drops it', async () => {
    const { gateway } = await addresses(a);
    const hostIps = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal)
      .map((i) => i?.address ?? '');
    expect(hostIps.length).toBeGreaterThan(0);
    for (const host of new Set([gateway, ...hostIps])) {
      expect(await probe(a, host, port), `connect to ${host}:${port}`).toBe('TIMEOUT');
    }
  });

  it("cannot reach another sandbox's listener: dropped", async () => {
    const { ip } = await addresses(a);
    expect(await probe(b, ip, SANDBOX_PORT)).toBe('TIMEOUT');
  });
});
