import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_NEW_PRIVS_PROBE } from '../support/no-new-privs.js';
import { UNDER_RUNSC, runscExclusion } from '../support/runsc-exclusions.js';
import { useRunner } from '../support/use-runner.js';
import { clients } from './clients.js';

// Root mode (docs/internals.md, "Users"): root inside a user namespace mapped to the sandbox's uid block.
// The runner's defaults: root access is on unless configured off (sandbox-users covers off).
useRunner();

const BLOCK = 65_536;

function inspect(sandboxId: string): { uid: number; systemDir: string } {
  const out = execFileSync(
    'docker',
    ['inspect', '-f', '{{index .Config.Labels "codebox.uid"}} {{json .Mounts}}', `codebox-${sandboxId}`],
    { encoding: 'utf8' },
  );
  const space = out.indexOf(' ');
  const mounts = JSON.parse(out.slice(space + 1)) as { Source: string; Destination: string }[];
  const system = mounts.find((mount) => mount.Destination === '/run/codebox-root/disk');
  if (!system) throw new Error('the container has no root-mode disk mount');
  return { uid: Number(out.slice(0, space)), systemDir: system.Source };
}

/** A one-file package, built inside the sandbox by `user` (no network in tests). */
const BUILD_DEB = [
  'set -e',
  'mkdir -p pkg/DEBIAN pkg/usr/local/share/codebox-probe',
  'printf "Package: codebox-probe\\nVersion: 1.0\\nArchitecture: all\\nMaintainer: t <t@example.invalid>\\nDescription: probe\\n" > pkg/DEBIAN/control',
  'echo installed > pkg/usr/local/share/codebox-probe/marker',
  'dpkg-deb --root-owner-group --build pkg probe.deb >/dev/null',
].join('\n');


interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and reports how it ended, whether the SDK resolved or threw (non-zero exit). */
async function outcome(
  sandbox: { commands: { run(cmd: string, opts?: { user?: 'root' | 'user'; envs?: Record<string, string> }): Promise<Outcome> } },
  cmd: string,
  opts: { user?: 'root' | 'user'; envs?: Record<string, string> } = {},
): Promise<Outcome> {
  return sandbox.commands.run(cmd, opts).then(
    (ok) => ({ exitCode: ok.exitCode, stdout: ok.stdout, stderr: ok.stderr }),
    (error: { exitCode?: number; stdout?: string; stderr?: string }) => ({
      exitCode: error.exitCode ?? -1,
      stdout: error.stdout ?? '',
      stderr: error.stderr ?? '',
    }),
  );
}

/** Polls until no process of the sandbox has `marker` in its command line (the kill reached it). */
async function gone(sandbox: Parameters<typeof outcome>[0], marker: string): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const left = await outcome(sandbox, `ps -eo args | grep -c '[${marker[0]}]${marker.slice(1)}' || true`, { user: 'root' });
    if (left.stdout.trim() === '0') return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

// Root mode is runc-only by design (wantsRootMode in host-runner's sandbox-starting.ts): under runsc the
// block at the end of this file checks what a runner with root access on does instead.
describe('root mode', runscExclusion('root-mode-runc-only'), () => {
  describe.each(clients)('root access through the $name client', ({ module: { Sandbox } }) => {
    it('runs as root in the sandbox (dpkg -i, /etc, /usr/local, chown) while the host sees only the uid block', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        const { uid: first, systemDir } = inspect(sandbox.sandboxId);
        expect(first % BLOCK).toBe(0);
        expect(first).toBeGreaterThanOrEqual(2 ** 30);

        expect((await sandbox.commands.run('id -u; id -un; echo $HOME', { user: 'root' })).stdout).toBe('0\nroot\n/root\n');
        expect((await sandbox.commands.run('id -u; id -un')).stdout).toBe('1000\nuser\n');

        await sandbox.commands.run(BUILD_DEB);
        const install = await sandbox.commands.run('dpkg -i /home/user/probe.deb && dpkg -s codebox-probe | grep Status', { user: 'root' });
        expect(install.stdout).toContain('Status: install ok installed');
        expect((await sandbox.commands.run('cat /usr/local/share/codebox-probe/marker')).stdout).toBe('installed\n');

        await sandbox.commands.run('echo hi > /etc/codebox-root-probe && mkdir /opt/owned && chown 42:43 /opt/owned', { user: 'root' });
        expect((await sandbox.commands.run('stat -c "%u %g" /opt/owned; cat /etc/codebox-root-probe')).stdout).toBe('42 43\nhi\n');
        // `user` stays unprivileged: the system directories are root's.
        await expect(sandbox.commands.run('touch /etc/by-user')).rejects.toThrow();

        // On the host every file root made belongs to the sandbox's block, never to uid 0.
        const upper = join(systemDir, 'upper');
        expect(statSync(join(upper, 'etc/codebox-root-probe')).uid).toBe(first);
        expect(statSync(join(upper, 'opt/owned')).uid).toBe(first + 42);
        expect(statSync(join(upper, 'opt/owned')).gid).toBe(first + 43);
        expect(statSync(join(upper, 'usr/local/share/codebox-probe/marker')).uid).toBe(first);
        expect(statSync(join(upper, 'var/lib/dpkg/status')).uid).toBe(first);
      } finally {
        await sandbox.kill();
      }
    });

    it('still refuses every name but user and root: other accounts, uids, spellings', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        for (const name of ['daemon', 'nobody', '_apt', '0', '1000', 'root ', ' root', 'ROOT', '../root', 'user ', 'USER']) {
          const as = name as 'user';
          await expect(sandbox.commands.run('id -un', { user: as }), `commands.run as ${JSON.stringify(name)}`).rejects.toThrow();
          await expect(sandbox.files.write('/tmp/as-other', 'x', { user: as }), `files.write as ${JSON.stringify(name)}`).rejects.toThrow();
        }
        expect((await sandbox.commands.run('ls -A /tmp; id -un', { user: 'root' })).stdout).toBe('root\n');
      } finally {
        await sandbox.kill();
      }
    });

    it('serves the files API as root, and only root writes where root owns', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        await sandbox.files.write('/etc/from-files-api', 'root wrote this', { user: 'root' });
        expect(await sandbox.files.read('/etc/from-files-api', { user: 'root' })).toBe('root wrote this');
        expect(await sandbox.files.read('/etc/from-files-api')).toBe('root wrote this');
        const entries = await sandbox.files.list('/root', { user: 'root' });
        expect(Array.isArray(entries)).toBe(true);
        await expect(sandbox.files.write('/etc/from-user', 'x')).rejects.toThrow();
        await expect(sandbox.files.read('/etc/shadow')).rejects.toThrow();
        expect((await sandbox.files.read('/etc/shadow', { user: 'root' })).length).toBeGreaterThan(0);
      } finally {
        await sandbox.kill();
      }
    });

    it('keeps root in the sandbox: no namespaces, mounts, modules, raw sockets, sysrq, agent socket or host files', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        const probes: Record<string, string> = {
          'new user namespace': 'unshare -U true',
          'new mount namespace': 'unshare -m true',
          mount: 'mount -t tmpfs none /mnt',
          'bind mount': 'mount --bind /etc /mnt',
          'remount rootfs': 'mount -o remount,rw /',
          'unmount the agent files': 'umount /opt/codebox',
          'kernel module': 'python3 -c "import ctypes,sys; l=ctypes.CDLL(None,use_errno=True); sys.exit(0 if l.syscall(175,0,0,b\\"\\")==0 else 1)"',
          sysrq: 'echo h > /proc/sysrq-trigger',
          'raw socket': 'python3 -c "import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)"',
          'packet socket': 'python3 -c "import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)"',
          'agent socket dir': 'ls /run/codebox',
          'agent socket': 'python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.connect(\'/run/codebox/agent.sock\')"',
          'template layers': 'ls /run/codebox-root/layers/0',
          'write the agent': 'touch /opt/codebox/agent.mjs',
          'hostname change': 'hostname evil',
          'set the clock': 'date -s 2000-01-01',
          mknod: 'mknod /tmp/sda b 8 0',
          ptrace: 'python3 -c "import ctypes,sys; l=ctypes.CDLL(None,use_errno=True); sys.exit(0 if l.ptrace(16,1,0,0)==0 else 1)"',
        };
        for (const [what, command] of Object.entries(probes)) {
          const result = await sandbox.commands.run(command, { user: 'root' }).then(
            (ok) => ({ exitCode: ok.exitCode }),
            (error: { exitCode?: number }) => ({ exitCode: error.exitCode ?? -1 }),
          );
          expect(result.exitCode, `${what} as root`).not.toBe(0);
        }
        const caps = (await sandbox.commands.run('grep CapEff /proc/self/status', { user: 'root' })).stdout;
        // CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT, AUDIT_WRITE, SETFCAP.
        expect(caps).toContain('CapEff:\t00000000a00404fb');
        expect((await sandbox.commands.run(NO_NEW_PRIVS_PROBE, { user: 'root' })).stdout).toBe('1\n');
      } finally {
        await sandbox.kill();
      }
    });

    it('gives user passwordless sudo: flags, exit codes, stdio, env, dpkg, /etc', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        const expectations: [string, Partial<Outcome>][] = [
          ['sudo -n true', { exitCode: 0 }],
          ['sudo whoami', { exitCode: 0, stdout: 'root\n' }],
          ['sudo -u root id -u', { exitCode: 0, stdout: '0\n' }],
          ['sudo --user=root id -u', { exitCode: 0, stdout: '0\n' }],
          ['sudo -u#0 -n id -u', { exitCode: 0, stdout: '0\n' }],
          ['sudo -- id -un', { exitCode: 0, stdout: 'root\n' }],
          ['sudo -nE id -u', { exitCode: 0, stdout: '0\n' }],
          ["sudo sh -c 'echo x > /etc/y' && cat /etc/y", { exitCode: 0, stdout: 'x\n' }],
          ['sudo false', { exitCode: 1 }],
          ["sudo sh -c 'exit 7'", { exitCode: 7 }],
          ['sudo sh -c \'kill -TERM $$\'; echo "status $?"', { exitCode: 0, stdout: 'status 143\n' }],
          ['echo piped | sudo cat', { exitCode: 0, stdout: 'piped\n' }],
          ["sudo sh -c 'echo oops >&2'", { exitCode: 0, stdout: '', stderr: 'oops\n' }],
          ['cd /tmp && sudo pwd', { exitCode: 0, stdout: '/tmp\n' }],
          ["sudo sh -c 'echo $HOME $USER $LOGNAME $SUDO_USER $SUDO_UID'", { exitCode: 0, stdout: '/root root root user 1000\n' }],
          ["FOO=bar sudo sh -c 'echo [$FOO]'", { exitCode: 0, stdout: '[]\n' }],
          ["FOO=bar sudo -E sh -c 'echo [$FOO]'", { exitCode: 0, stdout: '[bar]\n' }],
          ['sudo -i pwd', { exitCode: 0, stdout: '/root\n' }],
          ["echo 'id -u; pwd' | sudo -i", { exitCode: 0, stdout: '0\n/root\n' }],
          ["sudo -s echo 'a b' 'c;d'", { exitCode: 0, stdout: 'a b c;d\n' }],
          ["echo 'id -un' | sudo -s", { exitCode: 0, stdout: 'root\n' }],
          ['sudo no-such-command-here', { exitCode: 127 }],
          // Refused clearly: other users, unsupported flags, nothing to run.
          ['sudo -u nobody id', { exitCode: 1, stdout: '' }],
          ['sudo -u user id', { exitCode: 1, stdout: '' }],
          ['sudo -x true', { exitCode: 1, stdout: '' }],
          ['sudo --askpass true', { exitCode: 1, stdout: '' }],
          ['sudo', { exitCode: 1, stdout: '' }],
          ['sudo -i -s true', { exitCode: 1, stdout: '' }],
        ];
        for (const [command, expected] of expectations) {
          expect(await outcome(sandbox, command), command).toMatchObject(expected);
        }
        expect((await outcome(sandbox, 'sudo -u nobody id')).stderr).toMatch(/only root/);
        expect((await outcome(sandbox, 'sudo -x true')).stderr).toMatch(/not supported/);

        await sandbox.commands.run(BUILD_DEB);
        const install = await outcome(sandbox, 'sudo dpkg -i /home/user/probe.deb >/dev/null && dpkg -s codebox-probe | grep Status');
        expect(install).toMatchObject({ exitCode: 0, stdout: 'Status: install ok installed\n' });
        // What sudo wrote belongs to root, and user still cannot write there itself.
        expect((await outcome(sandbox, 'stat -c %U /etc/y /usr/local/share/codebox-probe/marker')).stdout).toBe('root\nroot\n');
        expect((await outcome(sandbox, 'touch /etc/by-user')).exitCode).not.toBe(0);
      } finally {
        await sandbox.kill();
      }
    });

    it('streams sudo output as the caller\'s, and killing or interrupting sudo ends the root command', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        // Streamed while it runs: the root command writes straight into the caller's pipe.
        let streamed = '';
        const handle = await sandbox.commands.run("sudo sh -c 'echo started; exec sleep 1234'", {
          background: true,
          onStdout: (data: string) => {
            streamed += data;
          },
        });
        for (let i = 0; i < 100 && !streamed.includes('started'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
        expect(streamed).toBe('started\n');
        expect((await outcome(sandbox, "ps -o user= -C sleep | sort -u")).stdout).toBe('root\n');
        // Listed as envd lists it: the command the caller started (sudo's root child, like any
        // descendant, is not an entry of its own), and killing that entry ends the root command.
        expect((await sandbox.commands.list()).find((p) => p.pid === handle.pid)).toMatchObject({
          cmd: '/bin/bash',
          args: ['-l', '-c', "sudo sh -c 'echo started; exec sleep 1234'"],
        });
        await handle.kill();
        expect(await gone(sandbox, 'sleep 1234')).toBe(true);

        // Ctrl-C (SIGINT to sudo) reaches the root command, and sudo reports it as the command did.
        const interrupted = await outcome(sandbox, 'sudo sleep 1235 & p=$!; sleep 1; kill -INT $p; wait $p; echo "status $?"');
        expect(interrupted.stdout).toBe('status 130\n');
        expect(await gone(sandbox, 'sleep 1235')).toBe(true);

        // SIGKILL of sudo (nothing to forward) still ends the root command and everything it started.
        await outcome(sandbox, "sudo sh -c 'sleep 1236 & exec sleep 1237' & p=$!; sleep 1; kill -KILL $p; echo killed");
        expect(await gone(sandbox, 'sleep 1237')).toBe(true);
        expect(await gone(sandbox, 'sleep 1236')).toBe(true);
      } finally {
        await sandbox.kill();
      }
    });

    it('serves sudo only to this sandbox\'s user: not other uids, not the host, not another sandbox', async () => {
      const a = await Sandbox.create('base');
      let b: Awaited<ReturnType<typeof Sandbox.create>> | undefined;
      try {
        // A process of this sandbox with another uid (root can make one) is refused by the broker.
        for (const uid of [1001, 65534, 999]) {
          const forged = await outcome(
            a,
            `python3 -c "import os; os.setgroups([]); os.setgid(${uid}); os.setuid(${uid}); os.execvp('sudo', ['sudo', 'id', '-u'])"`,
            { user: 'root' },
          );
          expect(forged, `uid ${uid}`).toMatchObject({ exitCode: 1, stdout: '' });
          expect(forged.stderr).toMatch(/only the sandbox's user/);
        }
        // The broker's abstract socket lives in the sandbox's network namespace: the host's has none.
        const fromHost = await new Promise<string>((resolve) => {
          const socket = connect({ path: '\0codebox-sudo' });
          socket.on('connect', () => {
            socket.destroy();
            resolve('connected');
          });
          socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        });
        expect(fromHost).toBe('ECONNREFUSED');

        // Root in sandbox B reaches B's broker only: A's files and processes stay out of its sight.
        await a.commands.run("sudo sh -c 'echo secret-a > /etc/secret-a'");
        const holder = await a.commands.run('sudo sleep 1238', { background: true });
        b = await Sandbox.create('base');
        const fromB = await outcome(b, "sudo sh -c 'cat /etc/secret-a; ps -eo args | grep -c [s]leep.1238; ls /proc | grep -c ^[0-9]'");
        expect(fromB.stdout.split('\n')[0]).toBe('0');
        expect(fromB.stderr).toMatch(/No such file/);
        expect(Number(fromB.stdout.split('\n')[1])).toBeLessThan(20);
        const kill = await outcome(b, `sudo kill -9 ${holder.pid} 2>&1; sudo pkill -9 -x sleep; echo done`);
        expect(kill.stdout).toContain('done');
        // A's root command (and the sudo that waits for it) outlived all of that.
        expect((await outcome(a, 'pgrep -c -u root -x sleep; pgrep -c -u user -x sudo')).stdout).toBe('1\n1\n');
        await holder.kill();
      } finally {
        await a.kill();
        await b?.kill();
      }
    });

    it('contains fork, memory and disk bombs run as root, and the sandbox keeps answering', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        const fork = await sandbox.commands
          .run('python3 -c "import os\nwhile True:\n  try: os.fork()\n  except OSError: break" ; echo survived', { user: 'root', timeoutMs: 60_000 })
          .catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
        expect(fork.stdout).toContain('survived');
        // Not -f: the pattern would match this very shell.
        await sandbox.commands.run('pkill -9 -x python3 || true', { user: 'root' });
        await sandbox.commands
          .run('python3 -c "b=[]\nwhile True: b.append(bytearray(64<<20))"', { user: 'root', timeoutMs: 60_000 })
          .catch(() => undefined);
        const fill = await sandbox.commands
          .run('dd if=/dev/zero of=/var/fill bs=1M count=100000 2>&1; df -m /var | tail -1', { user: 'root', timeoutMs: 120_000 })
          .catch((error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` }));
        expect(fill.stdout).toMatch(/No space left on device/);
        expect((await sandbox.commands.run('rm -f /var/fill; id -un', { user: 'root' })).stdout).toBe('root\n');
      } finally {
        await sandbox.kill();
      }
    });
  });
});

/**
 * Under runsc the same runner (root access on) starts sandboxes without root mode: gVisor is its own
 * kernel, without the user namespace over idmapped template layers root mode is built on. Naming
 * root is refused with a typed error that says why, `sudo` says root access is off and runs
 * nothing, and the sandbox's host uid is its own single uid, not a block. Registered only under
 * runsc (under runc the tests above run instead), so neither project counts a skip for it.
 */
if (UNDER_RUNSC) {
  describe.each(clients)('root access under runsc through the $name client', ({ module: { Sandbox, SandboxError } }) => {
    it('refuses root with a typed error naming the runtime, sudo runs nothing, and the host uid is not a block', async () => {
      const sandbox = await Sandbox.create('base');
      try {
        const labels = JSON.parse(
          execFileSync('docker', ['inspect', '-f', '{{json .Config.Labels}}', `codebox-${sandbox.sandboxId}`], { encoding: 'utf8' }),
        ) as Record<string, string>;
        expect(labels['codebox.runtime']).toBe('runsc');
        expect(labels['codebox.root-access']).toBeUndefined();
        expect(Number(labels['codebox.uid'])).toBeLessThan(2 ** 30);

        const refused = /root access is off for this sandbox.*runsc/;
        await expect(sandbox.commands.run('id -u', { user: 'root' })).rejects.toBeInstanceOf(SandboxError);
        await expect(sandbox.commands.run('id -u', { user: 'root' })).rejects.toThrow(refused);
        await expect(sandbox.files.write('/etc/by-root', 'x', { user: 'root' })).rejects.toThrow(refused);
        await expect(sandbox.files.read('/etc/shadow', { user: 'root' })).rejects.toThrow(refused);

        for (const command of ['sudo true', 'sudo -n id -u', "sudo sh -c 'touch /tmp/ran'"]) {
          expect(await outcome(sandbox, command), command).toMatchObject({ exitCode: 1, stdout: '' });
          expect((await outcome(sandbox, command)).stderr, command).toMatch(/root access is off for this sandbox.*runsc/);
        }
        // Nothing ran as root, and user (on the sandbox's own host uid: no user namespace here) cannot write /etc.
        expect(await outcome(sandbox, 'ls -A /tmp; id -un; touch /etc/by-user')).toMatchObject({ exitCode: 1, stdout: 'user\n' });
      } finally {
        await sandbox.kill();
      }
    });
  });
}
