import { TimeoutError } from '@codebox/core-client';
import { afterEach, describe, expect, it } from 'vitest';
import { executeFunctionCalls, type FunctionCall, type FunctionCallOutcome } from './execute-function-calls.js';
import { fakeSandbox, fakeSessions, type FakeSandbox } from './testing/fake-sandbox.js';

const call = (id: string, args: unknown, name = 'run_code'): FunctionCall => ({
  id,
  name,
  arguments: typeof args === 'string' ? args : JSON.stringify(args),
});

let sessions: ReturnType<typeof fakeSessions> | undefined;
afterEach(async () => {
  await sessions?.close();
  sessions = undefined;
});

function setup(run: Parameters<typeof fakeSandbox>[0]): { sandbox: FakeSandbox; sessions: ReturnType<typeof fakeSessions> } {
  const sandbox = fakeSandbox(run);
  sessions = fakeSessions(sandbox);
  return { sandbox, sessions };
}

describe('executeFunctionCalls', () => {
  it('runs parallel calls one after the other, in order, in the session sandbox, streaming their output', async () => {
    const events: string[] = [];
    const { sandbox, sessions } = setup((code) => {
      events.push(`run ${code}`);
      return { stdout: [`out of ${code}\n`], stderr: [`err of ${code}\n`] };
    });
    const outcomes = await executeFunctionCalls([call('a', { code: 'one', language: 'python' }), call('b', { code: 'two', language: 'bash' })], {
      sessions,
      sessionId: 'thread-7',
      timeoutMs: 5000,
      onToolCall: (c) => void events.push(`call ${c.id}`),
      onStdout: (text, c) => void events.push(`stdout ${c.id} ${text.trim()}`),
      onStderr: (text, c) => void events.push(`stderr ${c.id} ${text.trim()}`),
      onToolResult: (o) => void events.push(`result ${o.call.id} ${o.status}`),
    });
    expect(events).toEqual([
      'call a',
      'run one',
      'stdout a out of one',
      'stderr a err of one',
      'result a ran',
      'call b',
      'run two',
      'stdout b out of two',
      'stderr b err of two',
      'result b ran',
    ]);
    expect(sandbox.runs).toEqual([
      { code: 'one', language: 'python', timeoutMs: 5000 },
      { code: 'two', language: 'bash', timeoutMs: 5000 },
    ]);
    expect(sessions.sessionIds()).toEqual(['thread-7']);
    expect(outcomes.map((o) => o.output.text)).toEqual(['stdout: out of one\nstderr: err of one', 'stdout: out of two\nstderr: err of two']);
    expect(outcomes[0]?.args).toEqual({ code: 'one', language: 'python' });
  });

  it('answers the model’s mistakes without running anything', async () => {
    const { sandbox, sessions } = setup(() => ({}));
    const outcomes = await executeFunctionCalls(
      [call('x', { code: 'ls' }, 'shell'), call('y', '{"code": "ls"'), call('z', { code: 'print(1)', language: 'python' })],
      { sessions, languages: ['bash'] },
    );
    expect(outcomes.map((o: FunctionCallOutcome) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(outcomes[0]?.output.text).toBe('Unknown function "shell". The only function here is run_code.');
    expect(outcomes[1]?.output.text).toMatch(/not valid JSON.*"language": "bash"/);
    expect(outcomes[2]?.output.text).toMatch(/not valid:\n.*language/s);
    expect(sandbox.runs).toEqual([]);
    expect(sessions.size).toBe(0);
  });

  it('feeds a timeout back as the execution’s error, with what was printed before it', async () => {
    const { sessions } = setup(() => ({ stdout: ['started\n'], throws: new TimeoutError('Execution timed out after 100 ms') }));
    const [outcome] = await executeFunctionCalls([call('t', { code: 'while True: pass', language: 'python' })], { sessions });
    expect(outcome?.status).toBe('ran');
    expect(outcome?.output.text).toBe('stdout: started\nerror: TimeoutError: Execution timed out after 100 ms');
  });

  it('rejects when the sandbox itself fails, so the caller learns the runner is gone', async () => {
    const { sessions } = setup(() => ({ throws: Object.assign(new Error('connection refused'), { name: 'SandboxError' }) }));
    await expect(executeFunctionCalls([call('c', { code: '1', language: 'python' })], { sessions })).rejects.toThrow('connection refused');
  });

  it('shapes long output to the budget', async () => {
    const { sessions } = setup(() => ({ stdout: ['x'.repeat(10_000)] }));
    const [outcome] = await executeFunctionCalls([call('l', { code: '1', language: 'python' })], { sessions, maxOutputChars: 600 });
    expect(outcome?.output.truncated).toBe(true);
    expect(outcome?.output.text.length).toBeLessThanOrEqual(600);
    expect(outcome?.execution?.logs.stdout[0]).toHaveLength(10_000);
  });

  it('interrupts the running call when aborted and runs none of the rest', async () => {
    const controller = new AbortController();
    const { sandbox, sessions } = setup(() => new Promise(() => {}));
    const pending = executeFunctionCalls([call('a', { code: 'sleep', language: 'python' }), call('b', { code: 'next', language: 'python' })], {
      sessions,
      signal: controller.signal,
      onToolCall: () => void setTimeout(() => controller.abort(new Error('user pressed stop')), 20),
    });
    await expect(pending).rejects.toThrow('user pressed stop');
    expect(sandbox.runs.map((r) => r.code)).toEqual(['sleep']);
  });
});
