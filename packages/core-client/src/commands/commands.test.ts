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
  // Background commands (stdin, list, connect, kill, disconnect) are the agent's process table:
  // commands.integration.test.ts checks them against the real one.
});
