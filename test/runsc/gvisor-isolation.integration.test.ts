import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import { createLogger, DockerImageBackend, TemplateStore } from '@codebox/host-runner';
import { WATCHDOG_KILL_LOG } from '../support/oom-kills.js';
import { connectProbeCommand } from '../support/connect-probe.js';
import { startNetnsTargets, TARGET_TCP_PORT, type NetnsTargets } from '../support/netns-targets.js';
import { startRunner, type RunnerHandle } from '../support/runner.js';

/**
 * The runsc isolation level end to end: a real runner started with CODEBOX_RUNTIME=runsc (and one
 * with the default runc, for per-template runtimes), real gVisor containers, and a host the test
 * builds in its own network namespace to show what the egress filter lets through.
 */
const docker = new Docker();
let runner: RunnerHandle;
let opts: { apiKey: string; apiUrl: string };

async function listed(r: RunnerHandle): Promise<{ sandboxID: string; runtime?: string }[]> {
  const res = await fetch(`${r.url}/v2/sandboxes`, { headers: { 'X-API-KEY': r.keys[0] } });
  expect(res.status).toBe(200);
  return (await res.json()) as { sandboxID: string; runtime?: string }[];
}

async function container(sandboxId: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(`codebox-${sandboxId}`).inspect();
}

/** Kills by the host's OOM killer in the container's host memory cgroup (v1 `oom_control`, v2 `memory.events`). */
function hostOomKills(containerId: string): number {
  for (const file of [`/sys/fs/cgroup/memory/docker/${containerId}/memory.oom_control`, `/sys/fs/cgroup/system.slice/docker-${containerId}.scope/memory.events`]) {
    try {
      return Number(/^oom_kill (\d+)$/m.exec(readFileSync(file, 'utf8'))?.[1]);
    } catch {
      // not this layout
    }
  }
  throw new Error(`no host memory cgroup found for container ${containerId}`);
}

beforeAll(async () => {
  runner = await startRunner({ env: { CODEBOX_RUNTIME: 'runsc', CODEBOX_RECONCILE_INTERVAL_SECONDS: '2' } });
  opts = { apiKey: runner.keys[0], apiUrl: runner.url };
});
afterAll(async () => {
  await runner?.close();
});

describe('a runsc runner', () => {
  it("runs sandboxes on gVisor's kernel, records the runtime in a label and in the list, and keeps it across a restart", async () => {
    const sandbox = await Sandbox.create('base', opts);
    try {
      // gVisor's sentry answers uname with its own kernel, not the host's.
      const kernel = (await sandbox.commands.run('uname -r')).stdout.trim();
      expect(kernel).not.toBe(release());
      const info = await container(sandbox.sandboxId);
      expect(info.HostConfig.Runtime).toBe('codebox-runsc');
      expect(info.Config.Labels['codebox.runtime']).toBe('runsc');
      expect((await listed(runner)).find((s) => s.sandboxID === sandbox.sandboxId)?.runtime).toBe('runsc');

      await runner.restart();
      expect((await listed(runner)).find((s) => s.sandboxID === sandbox.sandboxId)?.runtime).toBe('runsc');
      const again = await Sandbox.connect(sandbox.sandboxId, opts);
      expect((await again.commands.run('uname -r')).stdout.trim()).toBe(kernel);
    } finally {
      await sandbox.kill();
    }
  });

  it("keeps user code without capabilities, on the sandbox's own uid, with no-new-privileges and the io_uring filter inside gVisor", async () => {
    const sandbox = await Sandbox.create('base', opts);
    try {
      // Each sandbox's `user` is its own host uid (the renumbered passwd/group are bound in), under gVisor too.
      const uid = (await container(sandbox.sandboxId)).Config.Labels['codebox.uid'];
      expect(Number(uid)).toBeGreaterThan(1000);
      const status = (await sandbox.commands.run('grep -E "^(Uid|CapEff|CapPrm|CapBnd|CapAmb)" /proc/self/status')).stdout;
      expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
      const who = await sandbox.commands.run('id -un; id -u; id -g; echo $HOME; getent passwd user | cut -d: -f3,6; touch ~/mine; stat -c %U:%u ~/mine');
      expect(who.stdout).toBe(`user\n${uid}\n${uid}\n/home/user\n${uid}:/home/user\nuser:${uid}\n`);
      // gVisor's /proc/self/status has no CapAmb line; the sets it shows must all be empty.
      for (const set of ['CapEff', 'CapPrm', 'CapBnd']) expect(status).toMatch(new RegExp(`^${set}:\\s+0{16}$`, 'm'));
      expect(status).not.toMatch(/^CapAmb:\s+0*[1-9a-f]/m);
      // gVisor's status file has no NoNewPrivs line either: ask prctl(PR_GET_NO_NEW_PRIVS).
      const nnp = await sandbox.commands.run(`python3 -c 'import ctypes;print(ctypes.CDLL(None).prctl(39,0,0,0,0))'`);
      expect(nnp.stdout.trim()).toBe('1');
      const uring = await sandbox.commands.run(
        `python3 -c 'import ctypes,os\nr=ctypes.CDLL(None,use_errno=True).syscall(425,1,bytes(120))\nprint(r, os.strerror(ctypes.get_errno()))'`,
      );
      expect(uring.stdout).toMatch(/^-1 /);
      // The agent's socket directory stays closed to user code.
      const socketDir = await sandbox.commands
        .run(`python3 -c 'import os;print(os.listdir("/run/codebox"))'`)
        .then((r) => r.stdout, (error: { stderr?: string }) => error.stderr ?? '');
      expect(socketDir).toMatch(/PermissionError/);
    } finally {
      await sandbox.kill();
    }
  });

  it('contains a fork bomb inside gVisor (RLIMIT_NPROC) and keeps serving', async () => {
    const sandbox = await Sandbox.create('base', opts);
    try {
      const out = await sandbox.commands.run(
        // Children become `sleep`: 256 forked Pythons alone outgrow 512 MiB under gVisor (each ~1.8 MiB
        // of guest memory the sentry holds; measured), which is the memory class, tested below.
        `python3 -c 'import os\nn=0\ntry:\n  for i in range(2000):\n    if os.fork()==0:\n      os.execv("/bin/sleep", ["sleep", "30"])\n    n+=1\nexcept OSError as e:\n  print("stopped", n, e.errno)'`,
        { timeoutMs: 120_000 },
      );
      expect(out.stdout).toMatch(/^stopped \d+ 11$/m);
      await sandbox.commands.run('pkill -9 -u user sleep || true').catch(() => undefined);
      expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
      expect((await container(sandbox.sandboxId)).State.Running).toBe(true);
    } finally {
      await sandbox.kill();
    }
  });

  it('kills memory bombs of five fast allocators as the OOM killer does under runc: the sandbox, its agent and a bystander keep serving', async () => {
    const bystander = await Sandbox.create('base', opts);
    const victim = await Sandbox.create('base', opts);
    try {
      // gVisor has no OOM killer and enforces no memory limit inside; the agent's watchdog kills the largest
      // user process when the sandbox's memory reaches its limit, before the host's OOM killer (which would
      // end the sentry, i.e. the whole sandbox) can act on the higher host limit.
      const bombs = {
        'python bytearray': `python3 -c 'b = []\nwhile True: b.append(bytearray(32 << 20))'`,
        'python str': `python3 -c 'b = []\nwhile True: b.append("x" * (64 << 20))'`,
        'malloc + memset (ctypes)': `python3 -c 'import ctypes\nc = ctypes.CDLL(None)\nc.malloc.restype = ctypes.c_void_p\nwhile True: ctypes.memset(c.malloc(64 << 20), 1, 64 << 20)'`,
        'node Buffer.alloc': `/opt/codebox/bin/node -e 'const b = []; for (;;) b.push(Buffer.alloc(32 << 20, 1))'`,
        'bash a+=$a': `bash -c 'a=xxxxxxxxxxxxxxxx; while :; do a+=$a; done'`,
      };
      const info = await container(victim.sandboxId);
      for (const [name, command] of Object.entries(bombs)) {
        const outcome = await victim.commands.run(command, { timeoutMs: 120_000 }).then(
          (r) => ({ exitCode: r.exitCode, error: r.error }),
          (error: { exitCode?: number; error?: string; message: string }) => ({ exitCode: error.exitCode, error: error.error ?? error.message }),
        );
        expect(outcome, name).toEqual({ exitCode: -1, error: 'signal: killed' });
        expect((await victim.commands.run('echo alive')).stdout, name).toBe('alive\n');
        expect((await bystander.commands.run('echo alive')).stdout, name).toBe('alive\n');
      }
      // The same container, never restarted, and the host's OOM killer never fired in its cgroup.
      expect((await container(victim.sandboxId)).State).toMatchObject({ Running: true, StartedAt: info.State.StartedAt, OOMKilled: false });
      expect(hostOomKills(info.Id)).toBe(0);
      // The agent said what it did, once per bomb.
      const logs = (await docker.getContainer(info.Id).logs({ stdout: true, stderr: true })).toString('utf8');
      expect(logs.split(WATCHDOG_KILL_LOG).length - 1).toBe(Object.keys(bombs).length);
    } finally {
      await victim.kill().catch(() => undefined);
      await bystander.kill();
    }
  });

  it('lets coreutils, Python and Node stat files (statx shim preloaded under gVisor only)', async () => {
    const sandbox = await Sandbox.create('base', opts);
    try {
      await sandbox.commands.run('mkdir -p ~/d/sub && echo hi > ~/d/f && ln -s f ~/d/l && mkfifo ~/d/p');
      const checks: Record<string, string> = {
        'ls -la ~/d | wc -l': '7',
        'ls -l ~/d/l | cut -c1': 'l',
        'ls -lL ~/d/l | cut -c1': '-',
        'stat -c %s:%F ~/d/f': '3:regular file',
        'stat -L -c %F ~/d/l': 'regular file',
        'stat -c %F ~/d/p': 'fifo',
        'stat -f -c %T ~/d >/dev/null && echo ok': 'ok',
        'find ~/d -type f | wc -l': '1',
        'find ~/d -newer /etc/hostname -type l | wc -l': '1',
        'cp -a ~/d ~/e && stat -c %s ~/e/f && ls -la ~/e | wc -l': '3\n7',
        'du -sb ~/d/f | cut -f1': '3',
        'test -L ~/d/l && test -f ~/d/l && test -p ~/d/p && echo ok': 'ok',
        'python3 -c "import os,stat;print(os.stat(\'d/f\').st_size, stat.S_ISLNK(os.lstat(\'d/l\').st_mode), os.path.getsize(\'d/l\'))"': '3 True 3',
        '/opt/codebox/bin/node -e "const fs=require(\'fs\');console.log(fs.statSync(\'d/f\').size,fs.lstatSync(\'d/l\').isSymbolicLink(),fs.fstatSync(fs.openSync(\'d/f\')).size)"':
          '3 true 3',
      };
      for (const [command, want] of Object.entries(checks)) {
        const out = await sandbox.commands.run(command).then((r) => r.stdout.trim(), (error: { stderr?: string }) => `FAILED: ${error.stderr}`);
        expect(out, command).toBe(want);
      }
      // The files API (the agent's own stat) agrees.
      expect((await sandbox.files.list('/home/user/d')).map((e) => e.name).sort()).toEqual(['f', 'l', 'p', 'sub']);
      expect((await sandbox.commands.run('cat /etc/ld.so.preload')).stdout).toBe('/opt/codebox/lib/gvisor-compat.so\n');
    } finally {
      await sandbox.kill();
    }
  });
});

describe('the egress filter under runsc', () => {
  let target: NetnsTargets;
  beforeAll(async () => {
    target = await startNetnsTargets();
  });
  afterAll(() => target?.close());

  it('drops traffic to a blocked range, and it is the filter that drops it (an exception rule lets it through)', async () => {
    const sandbox = await Sandbox.create('base', opts);
    const network = await docker.getNetwork(`codebox-${runner.runnerName}`).inspect();
    const bridge = network.Options?.['com.docker.network.bridge.name'] ?? '';
    expect(bridge).toMatch(/^cbx-/);
    const rule = ['-i', bridge, '-d', `${target.peerAddress}/32`, '-p', 'tcp', '--dport', String(TARGET_TCP_PORT), '-j', 'ACCEPT'];
    try {
      const probe = connectProbeCommand(target.peerAddress, TARGET_TCP_PORT);
      // Dropped, not refused: a reset would mean the packet reached the target.
      expect((await sandbox.commands.run(probe)).stdout).toBe('TIMEOUT\n');
      // Same sandbox, same route, the runner's DROP skipped for this one address: the packet goes.
      execFileSync('iptables', ['-w', '-I', 'DOCKER-USER', '1', ...rule]);
      try {
        expect((await sandbox.commands.run(probe)).stdout).toBe('CONNECTED\n');
      } finally {
        execFileSync('iptables', ['-w', '-D', 'DOCKER-USER', ...rule]);
      }
      expect((await sandbox.commands.run(probe)).stdout).toBe('TIMEOUT\n');
    } finally {
      await sandbox.kill();
    }
  });

  it('gives allow_internet_access: false sandboxes the offline registration: loopback only, nothing reachable', async () => {
    const sandbox = await Sandbox.create('base', { ...opts, allowInternetAccess: false });
    try {
      expect((await container(sandbox.sandboxId)).HostConfig.Runtime).toBe('codebox-runsc-offline');
      const ifaces = (await sandbox.commands.run(`python3 -c 'import socket;print(sorted(n for _, n in socket.if_nameindex()))'`)).stdout;
      expect(ifaces.trim()).toBe("['lo']");
      // No interface but lo, so no route at all: gVisor's netstack fails the connect at once with
      // EHOSTUNREACH (113; Linux would say ENETUNREACH), never a timeout or a reset.
      expect((await sandbox.commands.run(connectProbeCommand(target.peerAddress, TARGET_TCP_PORT))).stdout).toBe('OSError 113\n');
    } finally {
      await sandbox.kill();
    }
  });
});

describe('per-template runtime', () => {
  const tag = randomBytes(3).toString('hex');
  const names = { flag: `gv-flag-${tag}`, label: `gv-label-${tag}`, bad: `gv-bad-${tag}` };
  let dir: string;
  let store: TemplateStore;
  let runcRunner: RunnerHandle;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codebox-gv-template-'));
    store = new TemplateStore({ logger: createLogger({ level: 'warn' }), images: new DockerImageBackend() });
    // Explicitly runc: the integration-runsc project sets CODEBOX_RUNTIME=runsc for every runner it starts.
    runcRunner = await startRunner({ env: { CODEBOX_RUNTIME: 'runc' } });
  });
  afterAll(async () => {
    await runcRunner?.close();
    await store?.releasePins();
    rmSync(dir, { recursive: true, force: true });
    for (const name of Object.values(names)) {
      for (const image of await docker.listImages({ filters: { label: [`codebox.template=${name}`] } })) {
        await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
      }
      await docker.getImage(`codebox-build/${name}:latest`).remove({ force: true }).catch(() => undefined);
    }
  });

  function context(name: string, dockerfile: string): string {
    const contextDir = join(dir, name);
    execFileSync('mkdir', ['-p', contextDir]);
    writeFileSync(join(contextDir, 'Dockerfile'), dockerfile);
    return contextDir;
  }

  it("runs a template's sandboxes at its runtime (build flag or Dockerfile label) on a runc runner; other templates stay runc", async () => {
    const byFlag = await store.build({ name: names.flag, contextDir: context(names.flag, 'FROM codebox/base:latest\n'), runtime: 'runsc' });
    expect(byFlag.runtime).toBe('runsc');
    const byLabel = await store.build({ name: names.label, contextDir: context(names.label, 'FROM codebox/base:latest\nLABEL codebox.runtime=runsc\n') });
    expect(byLabel.runtime).toBe('runsc');

    const runcOpts = { apiKey: runcRunner.keys[0], apiUrl: runcRunner.url };
    for (const template of [names.flag, names.label, 'base']) {
      const sandbox = await Sandbox.create(template, runcOpts);
      try {
        const want = template === 'base' ? 'runc' : 'runsc';
        expect((await container(sandbox.sandboxId)).Config.Labels['codebox.runtime'], template).toBe(want);
        expect((await listed(runcRunner)).find((s) => s.sandboxID === sandbox.sandboxId)?.runtime).toBe(want);
        const kernel = (await sandbox.commands.run('uname -r')).stdout.trim();
        if (want === 'runc') expect(kernel).toBe(release());
        else expect(kernel).not.toBe(release());
      } finally {
        await sandbox.kill();
      }
    }
  });

  it('refuses a Dockerfile label that names no runtime, with a typed error', async () => {
    for (const bad of ['gvisor', 'RUNSC', 'kata-runtime']) {
      const error = await store
        .build({ name: names.bad, contextDir: context(names.bad, `FROM codebox/base:latest\nLABEL codebox.runtime=${bad}\n`) })
        .catch((e: unknown) => e);
      expect((error as Error).name).toBe('InvalidTemplateRuntimeError');
    }
  });
});
