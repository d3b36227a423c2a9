import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { containerName } from './container-spec.js';
import { createDockerClient } from './docker-client.js';
import { DockerBackend } from './docker-backend.js';
import { TemplateAccountsError } from './errors.js';
import { runHostCommand } from '../host/host-command.js';
import { mountPoints } from './home-disk.js';
import { sandboxNetworkNames } from './sandbox-network.js';
import { sandboxPaths } from './sandbox-paths.js';
import { execIn } from './testing/exec.js';
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
    await new Promise((r) => setTimeout(r, 500));
    expect((await backend.list()).find((r) => r.sandboxId === s.sandboxId)?.status).toBe('exited');
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

describe("hardening, seen by user code (the sandbox's own uid via docker exec)", () => {
  let sandboxId: string;
  const run = (argv: string[]) => execIn(docker.getContainer(containerName(sandboxId)), argv);

  beforeAll(async () => {
    sandboxId = (await backend.create(spec({ limits: { cpuCount: 1, memoryMiB: 256, diskMiB: 64, pids: 64 } }))).sandboxId;
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

  it('caps /tmp at 64 MiB', async () => {
    const fill = await run(['sh', '-c', 'dd if=/dev/zero of=/tmp/fill bs=1M count=100; rc=$?; rm -f /tmp/fill; exit $rc']);
    expect(fill.exitCode).not.toBe(0);
    expect(fill.output).toMatch(/No space left on device/);
    expect(fill.output).toMatch(/^67108864 bytes/m);
  });

  it('stops a disk fill at the limit with ENOSPC, without touching the host disk', async () => {
    const fill = await run(['sh', '-c', 'dd if=/dev/zero of=/home/user/fill bs=1M count=200; rc=$?; df -m /home/user | tail -1; exit $rc']);
    expect(fill.exitCode).not.toBe(0);
    expect(fill.output).toMatch(/No space left on device/);
    // Everything the sandbox wrote landed in its own sparse 64 MiB image: the host holds at most
    // that much for it, never the attempted 200 MiB. (Measured on the image itself, not with a
    // host-wide df, which other work on the machine would disturb.)
    const allocatedMiB = Number((await runHostCommand('du', ['-m', sandboxPaths(dataDir, sandboxId).homeImage])).split('\t')[0]);
    expect(allocatedMiB).toBeGreaterThan(32);
    expect(allocatedMiB).toBeLessThanOrEqual(66);
    await run(['rm', '-f', '/home/user/fill']);
  });

  it('contains a fork bomb and stays usable', async () => {
    const bomb = await run(['timeout', '10', 'bash', '-c', 'f() { f | f & }; f; sleep 5']);
    expect(bomb.output).toMatch(/Resource temporarily unavailable/);
    await run(['sh', '-c', 'pkill -u user -f "bash -c f" || true']);
    // Allow the kernel to reap, then the container must still answer.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await run(['echo', 'alive'])).output.trim()).toBe('alive');
    expect(await backend.inspectExit(sandboxId)).toMatchObject({ running: true });
  });

  it('OOM-kills a process that exceeds the memory limit, and the sandbox survives', async () => {
    const hog = await run(['python3', '-c', 'b = bytearray(600 * 1024 * 1024); print("allocated")']);
    expect(hog.exitCode).toBe(137);
    expect(hog.output).not.toContain('allocated');
    expect(await backend.inspectExit(sandboxId)).toMatchObject({ running: true });
  });

  it('has only the loopback interface without internet access', async () => {
    const ifaces = (await run(['ls', '/sys/class/net'])).output.trim().split(/\s+/);
    expect(ifaces).toEqual(['lo']);
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

describe('network with internet access', () => {
  let a: string;
  let b: string;
  let server: Server;
  let port: number;
  const connectScript = (host: string, p: number) => [
    'python3',
    '-c',
    `import socket,sys\ns=socket.socket()\ns.settimeout(3)\ntry:\n  s.connect((${JSON.stringify(host)},${p}))\n  print("CONNECTED")\nexcept Exception as e:\n  print("BLOCKED", type(e).__name__, e)`,
  ];

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

  it('the probe connects where nothing blocks it (inside the sandbox itself)', async () => {
    const container = docker.getContainer(containerName(a));
    await execIn(container, ['sh', '-c', 'nohup python3 -m http.server 8000 --bind 0.0.0.0 >/dev/null 2>&1 &']);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await execIn(container, connectScript('127.0.0.1', 8000))).output).toContain('CONNECTED');
    // And the host listener really is up.
    expect((await runHostCommand('python3', ['-c', connectScript('127.0.0.1', port)[2] ?? ''])).trim()).toContain('CONNECTED');
  });

  it('cannot reach the host via its gateway, docker0 or the host eth0 address', async () => {
    const { gateway } = await addresses(a);
    const hostIps = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && i.family === 'IPv4' && !i.internal)
      .map((i) => i?.address ?? '');
    expect(hostIps.length).toBeGreaterThan(0);
    for (const host of new Set([gateway, ...hostIps])) {
      const out = (await execIn(docker.getContainer(containerName(a)), connectScript(host, port))).output;
      expect(out, `connect to ${host}`).toContain('BLOCKED');
    }
  });

  it('cannot reach another sandbox', async () => {
    const { ip } = await addresses(a);
    const out = (await execIn(docker.getContainer(containerName(b)), connectScript(ip, 8000))).output;
    expect(out).toContain('BLOCKED');
  });
});
