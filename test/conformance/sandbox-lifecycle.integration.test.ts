import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useRunner } from '../support/use-runner.js';
import { clients, codeboxClient } from './clients.js';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

const runner = useRunner();

describe.each(clients)('sandbox lifecycle through the $name client', ({ module: { Sandbox, CommandExitError } }) => {
  it('creates, runs commands, streams a background process with stdin, moves files, watches, extends and kills', async () => {
    const sandbox = await Sandbox.create('base', { metadata: { suite: 'lifecycle' } });
    try {
      expect(sandbox.sandboxId).toMatch(/^[a-z0-9]+$/);

      const hi = await sandbox.commands.run('echo hi');
      expect(hi.exitCode).toBe(0);
      expect(hi.stdout).toBe('hi\n');

      const who = await sandbox.commands.run('id -un; echo $HOME; pwd');
      expect(who.stdout).toBe('user\n/home/user\n/home/user\n');

      await expect(sandbox.commands.run('echo oops >&2; exit 3')).rejects.toMatchObject({ exitCode: 3, stderr: 'oops\n' });
      const missing = await sandbox.commands.run('definitely-not-a-command').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(CommandExitError);
      expect(missing).toMatchObject({ exitCode: 127 });

      // Background process: output arrives as it is produced, stdin reaches it.
      const chunks: { text: string; at: number }[] = [];
      const handle = await sandbox.commands.run(
        'read line; echo "got:$line"; for i in 1 2 3; do echo "tick $i"; sleep 0.3; done',
        { background: true, stdin: true, onStdout: (text: string) => {
          chunks.push({ text, at: Date.now() });
        } },
      );
      expect(handle.pid).toBeGreaterThan(0);
      await sandbox.commands.sendStdin(handle.pid, 'hello\n');
      const done = await handle.wait();
      expect(done.exitCode).toBe(0);
      expect(done.stdout).toBe('got:hello\ntick 1\ntick 2\ntick 3\n');
      const tick1 = chunks.find((c) => c.text.includes('tick 1'));
      const tick3 = chunks.find((c) => c.text.includes('tick 3'));
      expect(tick1 && tick3 && tick3.at - tick1.at).toBeGreaterThanOrEqual(400);

      // Files: text and a 5 MiB binary round-trip intact.
      await sandbox.files.write('/home/user/notes/hello.txt', 'hello files\n');
      expect(await sandbox.files.read('/home/user/notes/hello.txt')).toBe('hello files\n');
      const blob = new Uint8Array(randomBytes(5 * 1024 * 1024));
      await sandbox.files.write('/home/user/notes/blob.bin', blob.buffer);
      const back = await sandbox.files.read('/home/user/notes/blob.bin', { format: 'bytes' });
      expect(back.byteLength).toBe(blob.byteLength);
      expect(sha256(back)).toBe(sha256(blob));
      const inSandbox = await sandbox.commands.run('sha256sum /home/user/notes/blob.bin');
      expect(inSandbox.stdout.split(' ')[0]).toBe(sha256(blob));

      const listed = await sandbox.files.list('/home/user/notes');
      expect(listed.map((e: { name: string }) => e.name).sort()).toEqual(['blob.bin', 'hello.txt']);
      const renamed = await sandbox.files.rename('/home/user/notes/hello.txt', '/home/user/notes/renamed.txt');
      expect(renamed.name).toBe('renamed.txt');
      expect(await sandbox.files.exists('/home/user/notes/hello.txt')).toBe(false);
      expect(await sandbox.files.exists('/home/user/notes/renamed.txt')).toBe(true);
      await sandbox.files.remove('/home/user/notes/renamed.txt');
      expect(await sandbox.files.exists('/home/user/notes/renamed.txt')).toBe(false);

      // watchDir sees a file created by a command.
      await sandbox.files.makeDir('/home/user/watched');
      const events: { name: string; type: string }[] = [];
      const watcher = await sandbox.files.watchDir('/home/user/watched', (event) => {
        events.push(event);
      });
      await sandbox.commands.run('echo x > /home/user/watched/new.txt');
      const deadline = Date.now() + 5_000;
      while (!events.some((e) => e.name === 'new.txt') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await watcher.stop();
      expect(events.some((e) => e.name === 'new.txt')).toBe(true);

      // setTimeout moves the end of life.
      await sandbox.setTimeout(120_000);
      const info = await sandbox.getInfo();
      expect(info.sandboxId).toBe(sandbox.sandboxId);
      expect(info.metadata).toMatchObject({ suite: 'lifecycle' });
      expect(Math.abs(info.endAt.getTime() - (Date.now() + 120_000))).toBeLessThan(5_000);
    } finally {
      await sandbox.kill();
    }
    expect(await sandbox.isRunning()).toBe(false);
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(false);
  });

  it('gives a sandbox created with allowInternetAccess: false no network at all, yet serves it', async () => {
    const sandbox = await Sandbox.create('base', { allowInternetAccess: false });
    try {
      const interfaces = await sandbox.commands.run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
      expect(interfaces.stdout.trim().split('\n')).toEqual(['lo']);
      expect((await sandbox.getInfo()).allowInternetAccess).toBe(false);
    } finally {
      await sandbox.kill();
    }
  });

  it('expires a sandbox at its deadline', async () => {
    // Long enough that the list below comes before the deadline even on a busy machine under runsc
    // (a 2 s deadline was sometimes over by then); the expiry itself is polled for, not timed.
    const sandbox = await Sandbox.create('base', { timeoutMs: 6_000 });
    const ids = async (): Promise<string[]> => (await Sandbox.list().nextItems()).map((s: { sandboxId: string }) => s.sandboxId);
    expect(await ids()).toContain(sandbox.sandboxId);
    await expect.poll(ids, { timeout: 30_000, interval: 500 }).not.toContain(sandbox.sandboxId);
    expect(await sandbox.isRunning()).toBe(false);
  });
});

describe('runner restart', () => {
  it('re-adopts a live sandbox', async () => {
    const { Sandbox } = codeboxClient.module;
    const sandbox = await Sandbox.create('base');
    await sandbox.files.write('/home/user/keep.txt', 'still here');
    await runner().restart();
    expect(await sandbox.files.read('/home/user/keep.txt')).toBe('still here');
    expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
    const listed = await Sandbox.list().nextItems();
    expect(listed.map((s: { sandboxId: string }) => s.sandboxId)).toContain(sandbox.sandboxId);
    await sandbox.kill();
  });
});

describe('leaks', () => {
  it('leaves no container behind once every sandbox is killed', async () => {
    expect(runner().containerIds()).toEqual([]);
  });
});
