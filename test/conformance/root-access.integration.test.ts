import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useRunner } from '../support/use-runner.js';
import { clients } from './clients.js';

// Root mode (docs/internals.md, "Users"): root inside a user namespace mapped to the sandbox's uid block.
useRunner({ env: { CODEBOX_ROOT_ACCESS: 'true' } });

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
      const caps = (await sandbox.commands.run('grep -E "CapEff|NoNewPrivs" /proc/self/status', { user: 'root' })).stdout;
      // CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT, AUDIT_WRITE, SETFCAP.
      expect(caps).toContain('CapEff:\t00000000a00404fb');
      expect(caps).toContain('NoNewPrivs:\t1');
    } finally {
      await sandbox.kill();
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
