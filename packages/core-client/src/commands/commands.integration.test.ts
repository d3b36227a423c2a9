// Background commands against a real runner and agent: stdin, list, connect, kill and disconnect
// are the agent's process table, so they are checked against the real one here rather than
// against a copy of it in the unit layer's fake runner (test/fake-runner.ts).
import { describe, expect, it } from 'vitest';
import { useRunner } from '../../../../test/support/use-runner.js';
import { CommandExitError } from '../errors.js';
import { Sandbox } from '../sandbox/sandbox.js';

useRunner();

describe('background commands on a real sandbox', () => {
  it('runs in the background with stdin, list, connect and kill', async () => {
    await using sandbox = await Sandbox.create('base');
    const chunks: string[] = [];
    const handle = await sandbox.commands.run('cat', { background: true, stdin: true, onStdout: (d) => void chunks.push(d) });
    expect(handle.pid).toBeGreaterThan(0);
    expect(handle.exitCode).toBeUndefined();
    const listed = await sandbox.commands.list();
    expect(listed.find((p) => p.pid === handle.pid)).toMatchObject({ cmd: '/bin/bash', args: ['-l', '-c', 'cat'] });

    await handle.sendStdin('ping\n');
    await expect.poll(() => chunks.join('')).toBe('ping\n');

    const second: string[] = [];
    const attached = await sandbox.commands.connect(handle.pid, { onStdout: (d) => void second.push(d) });
    await sandbox.commands.sendStdin(handle.pid, new TextEncoder().encode('pong\n'));
    await expect.poll(() => second.join('')).toBe('pong\n');

    await handle.closeStdin();
    expect(await handle.wait()).toEqual({ exitCode: 0, stdout: 'ping\npong\n', stderr: '' });
    expect((await attached.wait()).stdout).toBe('pong\n');

    const sleeper = await sandbox.commands.run('sleep 30', { background: true });
    expect(await sleeper.kill()).toBe(true);
    const killed = await sleeper.wait().catch((e: unknown) => e);
    expect(killed).toBeInstanceOf(CommandExitError);
    expect((killed as CommandExitError).error).toMatch(/signal/);
    expect(await sandbox.commands.kill(sleeper.pid)).toBe(false);
  });

  it('stops delivering output after disconnect while the command keeps running', async () => {
    await using sandbox = await Sandbox.create('base');
    const seen: string[] = [];
    const handle = await sandbox.commands.run('while true; do echo tick; sleep 0.05; done', {
      background: true,
      onStdout: (d) => void seen.push(d),
    });
    await expect.poll(() => seen.length).toBeGreaterThan(0);
    await handle.disconnect();
    const count = seen.length;
    // The command keeps printing; after the listing below (a round trip later) none of it arrived here.
    expect((await sandbox.commands.run(`sleep 0.3; test -d /proc/${handle.pid} && echo alive`)).stdout).toBe('alive\n');
    expect(seen.length).toBe(count);
    expect((await sandbox.commands.list()).some((p) => p.pid === handle.pid)).toBe(true);
    expect(await sandbox.commands.kill(handle.pid)).toBe(true);
  });
});
