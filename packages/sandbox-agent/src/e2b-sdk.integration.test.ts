// The official e2b SDK against a loopback agent. Under E2B_DEBUG the SDK contacts no control
// plane and talks to envd at http://localhost:49983, which is where this test runs the agent.
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandExitError, Sandbox, type FilesystemEvent } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVD_PORT } from '@codebox/protocol';
import { requirePortFree } from '../../../test/support/test-prerequisites.js';
import { startAgent, type AgentFixture } from './testing/agent-fixture.js';

describe('official e2b SDK (debug mode) against the agent', () => {
  let fx: AgentFixture;
  let sandbox: Sandbox;
  beforeAll(async () => {
    await requirePortFree(ENVD_PORT, 'the official e2b SDK in debug mode');
    fx = await startAgent({ sandboxEnvs: { GREETING: 'hi' }, listen: { host: '127.0.0.1', port: ENVD_PORT } });
    sandbox = await Sandbox.create({ debug: true });
  });
  afterAll(() => fx?.close());

  it('runs foreground commands and throws CommandExitError on failure', async () => {
    const result = await sandbox.commands.run('echo $GREETING; echo oops >&2');
    expect(result).toMatchObject({ exitCode: 0, stdout: 'hi\n', stderr: 'oops\n' });
    const failure = await sandbox.commands.run('exit 7').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CommandExitError);
    expect((failure as CommandExitError).exitCode).toBe(7);
  });

  it('runs a background command fed through stdin, and lists and kills processes', async () => {
    const handle = await sandbox.commands.run('read line; echo "got $line"', { background: true, stdin: true });
    await sandbox.commands.sendStdin(handle.pid, 'data\n');
    expect((await handle.wait()).stdout).toBe('got data\n');

    const sleeper = await sandbox.commands.run('sleep 30', { background: true });
    expect((await sandbox.commands.list()).map((info) => info.pid)).toContain(sleeper.pid);
    expect(await sandbox.commands.kill(sleeper.pid)).toBe(true);
    await expect(sleeper.wait()).rejects.toBeInstanceOf(CommandExitError);
  });

  it('times out a command with the SDK timeout error', async () => {
    await expect(sandbox.commands.run('sleep 20', { timeoutMs: 300 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('writes, reads, lists, renames and removes files', async () => {
    const info = await sandbox.files.write('sdk/notes.txt', 'hello sdk');
    expect(info).toMatchObject({ name: 'notes.txt', path: `${fx.home}/sdk/notes.txt` });
    expect(await sandbox.files.read('sdk/notes.txt')).toBe('hello sdk');
    const bytes = new Uint8Array([0, 1, 2, 255]);
    await sandbox.files.write('sdk/bytes.bin', bytes.buffer);
    expect(await sandbox.files.read('sdk/bytes.bin', { format: 'bytes' })).toEqual(bytes);
    await sandbox.files.write([
      { path: 'sdk/m1.txt', data: 'one' },
      { path: 'sdk/m2.txt', data: 'two' },
    ]);
    const listing = await sandbox.files.list('sdk');
    expect(listing.map((entry) => entry.name)).toEqual(['bytes.bin', 'm1.txt', 'm2.txt', 'notes.txt']);
    expect(listing[0]).toMatchObject({ type: 'file', permissions: '-rw-r--r--', owner: 'user' });
    const renamed = await sandbox.files.rename('sdk/notes.txt', 'sdk/renamed.txt');
    expect(renamed.path).toBe(`${fx.home}/sdk/renamed.txt`);
    expect(await sandbox.files.exists('sdk/notes.txt')).toBe(false);
    expect(await sandbox.files.makeDir('sdk')).toBe(false);
    await sandbox.files.remove('sdk');
    expect(await sandbox.files.exists('sdk')).toBe(false);
    await expect(sandbox.files.read('missing.txt')).rejects.toMatchObject({ name: 'FileNotFoundError' });
  });

  it('watches a directory', async () => {
    await sandbox.files.makeDir('watch-me');
    const events: FilesystemEvent[] = [];
    const handle = await sandbox.files.watchDir('watch-me', (event) => {
      events.push(event);
    });
    await sandbox.files.write('watch-me/new.txt', 'x');
    for (let i = 0; i < 40 && events.length === 0; i++) await sleep(25);
    await handle.stop();
    expect(events).toContainEqual(expect.objectContaining({ name: 'new.txt', type: 'create' }));
  });

  it('refuses root', async () => {
    await expect(sandbox.commands.run('id', { user: 'root' })).rejects.toThrow(/root access is off/);
  });
});
