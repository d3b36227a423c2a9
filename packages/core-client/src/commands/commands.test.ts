import { describe, expect, it } from 'vitest';
import { ACCESS_TOKEN } from '../../test/fake-runner.js';
import { useFakeSandbox } from '../../test/use-fake-sandbox.js';
import { CommandExitError, TimeoutError } from '../errors.js';

const fixture = useFakeSandbox();
const { runner } = fixture;

describe('fixture.sandbox.commands over Connect-RPC', () => {
  it('runs a command with /bin/bash -l -c and returns its output', async () => {
    const result = await fixture.sandbox.commands.run('echo hi; echo oops >&2');
    expect(result).toEqual({ exitCode: 0, stdout: 'hi\n', stderr: 'oops\n' });
    const start = runner.gatewayRequests().find((r) => r.url === '/process.Process/Start');
    expect(start?.headers['e2b-sandbox-id']).toBe(fixture.sandbox.sandboxId);
    expect(start?.headers['e2b-sandbox-port']).toBe('49983');
    expect(start?.headers['x-access-token']).toBe(ACCESS_TOKEN);
    expect(start?.headers['keepalive-ping-interval']).toBe('50');
    expect(start?.headers['content-type']).toBe('application/connect+json');
    expect(start?.headers['connect-timeout-ms']).toBe('60000');
    expect(start?.headers.authorization).toBeUndefined();
  });

  it('passes cwd, envs and user', async () => {
    const result = await fixture.sandbox.commands.run('echo "$GREETING from $(pwd)"', {
      cwd: '/tmp',
      envs: { GREETING: 'hello' },
      user: 'user',
    });
    expect(result.stdout).toBe('hello from /tmp\n');
    const start = runner.gatewayRequests().filter((r) => r.url === '/process.Process/Start').at(-1);
    expect(start?.headers.authorization).toBe(`Basic ${Buffer.from('user:').toString('base64')}`);
  });

  it('streams output to callbacks in order', async () => {
    const seen: string[] = [];
    await fixture.sandbox.commands.run('for i in 1 2 3; do echo $i; sleep 0.05; done; echo e >&2', {
      onStdout: (d) => void seen.push(`out:${d}`),
      onStderr: (d) => void seen.push(`err:${d}`),
    });
    expect(seen).toEqual(['out:1\n', 'out:2\n', 'out:3\n', 'err:e\n']);
  });

  it('throws CommandExitError with the result on a non-zero exit', async () => {
    const err = await fixture.sandbox.commands.run('echo partial; exit 3').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandExitError);
    expect(err).toMatchObject({ exitCode: 3, stdout: 'partial\n', stderr: '', name: 'CommandExitError' });
  });

  it('maps the command deadline to TimeoutError', async () => {
    const err = await fixture.sandbox.commands.run('sleep 5', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toMatch(/timeoutMs/);
  });

  it('sends no deadline when timeoutMs is 0', async () => {
    await fixture.sandbox.commands.run('true', { timeoutMs: 0 });
    const start = runner.gatewayRequests().filter((r) => r.url === '/process.Process/Start').at(-1);
    expect(start?.headers['connect-timeout-ms']).toBeUndefined();
  });

  it('runs in the background with stdin, list, connect and kill', async () => {
    const chunks: string[] = [];
    const handle = await fixture.sandbox.commands.run('cat', { background: true, stdin: true, onStdout: (d) => void chunks.push(d) });
    expect(handle.pid).toBeGreaterThan(0);
    expect(handle.exitCode).toBeUndefined();
    const listed = await fixture.sandbox.commands.list();
    expect(listed.find((p) => p.pid === handle.pid)).toMatchObject({ cmd: '/bin/bash', args: ['-l', '-c', 'cat'] });

    await handle.sendStdin('ping\n');
    await until(() => chunks.join('') === 'ping\n');

    const second: string[] = [];
    const attached = await fixture.sandbox.commands.connect(handle.pid, { onStdout: (d) => void second.push(d) });
    await fixture.sandbox.commands.sendStdin(handle.pid, new TextEncoder().encode('pong\n'));
    await until(() => second.join('') === 'pong\n');

    await handle.closeStdin();
    const result = await handle.wait();
    expect(result).toEqual({ exitCode: 0, stdout: 'ping\npong\n', stderr: '' });
    expect((await attached.wait()).stdout).toBe('pong\n');

    const sleeper = await fixture.sandbox.commands.run('sleep 30', { background: true });
    expect(await sleeper.kill()).toBe(true);
    const killed = await sleeper.wait().catch((e: unknown) => e);
    expect(killed).toBeInstanceOf(CommandExitError);
    expect((killed as CommandExitError).error).toMatch(/signal/);
    expect(await fixture.sandbox.commands.kill(sleeper.pid)).toBe(false);
  });

  it('stops delivering output after disconnect while the command keeps running', async () => {
    const seen: string[] = [];
    const handle = await fixture.sandbox.commands.run('while true; do echo tick; sleep 0.05; done', {
      background: true,
      onStdout: (d) => void seen.push(d),
    });
    await until(() => seen.length > 0);
    await handle.disconnect();
    const count = seen.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.length).toBe(count);
    expect((await fixture.sandbox.commands.list()).some((p) => p.pid === handle.pid)).toBe(true);
    expect(await fixture.sandbox.commands.kill(handle.pid)).toBe(true);
  });
});

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
