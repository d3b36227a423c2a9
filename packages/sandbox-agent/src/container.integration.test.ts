// The built agent inside a real container with the production hardening from
// docs/internals.md: uid 0 with only SETUID, SETGID, SETPCAP and KILL, no-new-privileges,
// no network, the socket in a root-only bind-mounted directory. The image is a minimal root
// file system assembled from this host's binaries (nothing can be pulled here).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { Code, createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Filesystem, Process } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHardenedAgent } from './testing/agent-dev-container.js';
import { requireRoot } from '../../../test/support/test-prerequisites.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const TEST_LABEL = 'codebox.test=sandbox-agent';
const BINARIES = ['bash', 'sh', 'id', 'cat', 'sleep', 'grep', 'env', 'ls', 'stat'];

/** Copies `binary` and the shared libraries ldd names into `root` at the same paths. */
function copyWithLibraries(binary: string, root: string): void {
  const files = new Set([binary]);
  const ldd = execFileSync('ldd', [binary], { encoding: 'utf8' });
  for (const match of ldd.matchAll(/(\/\S+) \(0x/g)) if (match[1]) files.add(match[1]);
  for (const file of files) {
    const target = join(root, file);
    mkdirSync(dirname(target), { recursive: true });
    if (!existsSync(target)) copyFileSync(file, target);
    chmodSync(target, 0o755);
  }
}

function buildRootfs(root: string): void {
  for (const dir of ['usr/bin', 'usr/lib', 'etc', 'tmp', 'proc', 'sys', 'dev', 'run/codebox', 'opt/codebox/bin', 'home/user']) {
    mkdirSync(join(root, dir), { recursive: true });
  }
  // Debian's merged /usr: /bin, /lib and /lib64 are links into /usr.
  execFileSync('ln', ['-s', 'usr/bin', join(root, 'bin')]);
  execFileSync('ln', ['-s', 'usr/lib', join(root, 'lib')]);
  execFileSync('ln', ['-s', 'usr/lib64', join(root, 'lib64')]);
  mkdirSync(join(root, 'usr/lib64'));
  for (const name of BINARIES) {
    const real = execFileSync('bash', ['-c', `readlink -f "$(type -P ${name})"`], { encoding: 'utf8' }).trim();
    copyWithLibraries(real, root);
    if (!existsSync(join(root, 'usr/bin', name))) execFileSync('ln', ['-s', real, join(root, 'usr/bin', name)]);
  }
  copyWithLibraries(process.execPath, root);
  copyFileSync(process.execPath, join(root, 'opt/codebox/bin/node'));
  copyFileSync(join(packageDir, 'dist/agent.mjs'), join(root, 'opt/codebox/agent.mjs'));
  copyFileSync(join(packageDir, 'dist/sandbox-exec'), join(root, 'opt/codebox/sandbox-exec'));
  chmodSync(join(root, 'opt/codebox/bin/node'), 0o755);
  chmodSync(join(root, 'opt/codebox/sandbox-exec'), 0o755);
  chmodSync(join(root, 'tmp'), 0o1777);
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/bash\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nuser:x:1000:\n');
  writeFileSync(join(root, 'etc/root-only'), 'secret', { mode: 0o600 });
  chownSync(join(root, 'home/user'), 1000, 1000);
}

function health(socketPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path: '/health' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('agent in a hardened container', () => {
  const suffix = randomBytes(6).toString('hex');
  const image = `codebox-agent-test:${suffix}`;
  const container = `codebox-agent-test-${suffix}`;
  let work: string;
  let socket: string;

  beforeAll(async () => {
    requireRoot('the hardened-container agent tests (they build a rootfs and run Docker)');
    execFileSync('npm', ['run', 'build'], { cwd: packageDir, stdio: 'ignore' });
    work = mkdtempSync(join(tmpdir(), 'codebox-agent-container-'));
    const rootfs = join(work, 'rootfs');
    buildRootfs(rootfs);
    execFileSync('bash', ['-c', `tar -C '${rootfs}' -c . | docker import --change 'LABEL ${TEST_LABEL}' - ${image}`], { stdio: 'ignore' });
    socket = runHardenedAgent({
      name: container,
      label: TEST_LABEL,
      image,
      work,
      limits: { pids: 128, memory: '256m' },
      flags: ['-e', 'CODEBOX_SANDBOX_ENVS={"IN_SANDBOX":"1"}'],
    });
    for (let i = 0; i < 100; i++) {
      if (existsSync(socket) && (await health(socket).catch(() => 0)) === 204) return;
      await sleep(100);
    }
    throw new Error(`agent did not come up: ${execFileSync('docker', ['logs', container], { encoding: 'utf8' })}`);
  }, 180_000);

  afterAll(() => {
    execFileSync('docker', ['rm', '-f', container], { stdio: 'ignore' });
    execFileSync('docker', ['rmi', '-f', image], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  });

  const clients = () => {
    const transport = createConnectTransport({ baseUrl: 'http://localhost', httpVersion: '1.1', nodeOptions: { socketPath: socket } });
    return { process: createClient(Process, transport), filesystem: createClient(Filesystem, transport) };
  };

  async function run(cmd: string): Promise<{ stdout: string; exitCode: number | undefined }> {
    let stdout = '';
    let exitCode: number | undefined;
    for await (const response of clients().process.start({ process: { cmd: '/bin/bash', args: ['-l', '-c', cmd], envs: {} } })) {
      const event = response.event?.event;
      if (event?.case === 'data' && event.value.output.case === 'stdout') stdout += Buffer.from(event.value.output.value).toString();
      if (event?.case === 'end') exitCode = event.value.exitCode;
    }
    return { stdout, exitCode };
  }

  it('runs user code as uid 1000 with every capability set empty, no_new_privs and seccomp', async () => {
    const { stdout, exitCode } = await run('id -u; id -G; echo $IN_SANDBOX; grep -E "^(Cap|NoNewPrivs|Seccomp_filters)" /proc/self/status');
    expect(exitCode).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['1000', '1000', '1']);
    for (const set of ['CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb']) expect(lines).toContain(`${set}:\t0000000000000000`);
    expect(lines).toContain('NoNewPrivs:\t1');
    // Docker's profile plus the helper's io_uring filter.
    expect(lines).toContain('Seccomp_filters:\t2');
  });

  it('keeps user code and file requests away from root-only paths and the agent socket', async () => {
    expect((await run('cat /etc/root-only')).exitCode).toBe(1);
    expect((await run('ls /run/codebox')).exitCode).not.toBe(0);
    const { filesystem } = clients();
    await expect(filesystem.stat({ path: '/etc/root-only' })).resolves.toBeDefined();
    await expect(filesystem.listDir({ path: '/run/codebox' })).rejects.toMatchObject({ code: Code.PermissionDenied });
    const read = await new Promise<number>((resolve, reject) => {
      request({ socketPath: socket, path: '/files?path=/etc/root-only' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(read).toBe(403);
  });

  it('writes files as the user without DAC_OVERRIDE', async () => {
    const { filesystem } = clients();
    const made = await filesystem.makeDir({ path: 'project/src' });
    expect(made.entry).toMatchObject({ owner: 'user', group: 'user', path: '/home/user/project/src' });
    const { stdout } = await run('echo hi > project/src/a.txt && stat -c %U project/src/a.txt 2>/dev/null || ls -l project/src');
    expect(stdout).toMatch(/user/);
  });
});
