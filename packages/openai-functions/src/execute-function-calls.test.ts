// The OpenAI dispatcher's own part: order, events, the model's mistakes, the session. The
// tools' behaviour (timeouts, exits, files, output cutting) is tested once for all three
// packages in test/agent-tools.
import { MissingSessionIdError, SandboxSessions } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { scriptedSessions, type SandboxScript } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { executeFunctionCalls, type FunctionCall } from './execute-function-calls.js';

const call = (id: string, args: unknown, name = 'run_code'): FunctionCall => ({ id, name, arguments: typeof args === 'string' ? args : JSON.stringify(args) });

async function setup(script: SandboxScript) {
  const scripted = scriptedSessions(script, SandboxSessions);
  return { ...scripted, [Symbol.asyncDispose]: () => scripted.sessions.close() };
}

describe('executeFunctionCalls', () => {
  it('runs parallel calls one after the other, in order, in the session sandbox, streaming their output', async () => {
    const events: string[] = [];
    await using scripted = await setup({
      code: (code) => {
        events.push(`run ${code}`);
        return { stdout: [`out of ${code}\n`], stderr: [`err of ${code}\n`] };
      },
      command: (command) => {
        events.push(`command ${command}`);
        return { stdout: ['listed\n'] };
      },
    });
    const outcomes = await executeFunctionCalls(
      [call('a', { code: 'one', language: 'python' }), call('b', { command: 'ls', cwd: null }, 'run_command'), call('c', { path: 'x.txt', content: 'hi' }, 'write_file')],
      {
        sessions: scripted.sessions,
        sessionId: 'thread-7',
        timeoutMs: 5000,
        onToolCall: (c) => void events.push(`call ${c.id}`),
        onStdout: (text, c) => void events.push(`stdout ${c.id} ${text.trim()}`),
        onStderr: (text, c) => void events.push(`stderr ${c.id} ${text.trim()}`),
        onToolResult: (o) => void events.push(`result ${o.call.id} ${o.status}`),
      },
    );
    expect(events).toEqual([
      'call a',
      'run one',
      'stdout a out of one',
      'stderr a err of one',
      'result a ran',
      'call b',
      'command ls',
      'stdout b listed',
      'result b ran',
      'call c',
      'result c ran',
    ]);
    expect(scripted.sandboxes[0]?.codeCalls[0]?.opts).toMatchObject({ language: 'python', timeoutMs: 5000 });
    expect(scripted.sessions.sessionIds()).toEqual(['thread-7']);
    expect(outcomes.map((o) => o.output.text)).toEqual(['stdout: out of one\nstderr: err of one', 'stdout: listed', 'Wrote 2 B to /home/user/x.txt.']);
    expect(outcomes[0]?.args).toEqual({ code: 'one', language: 'python' });
    expect(outcomes[0]?.execution).toBe(outcomes[0]?.result);
    expect(outcomes[1]?.output.exitCode).toBe(0);
  });

  it('answers the model’s mistakes without running anything', async () => {
    await using scripted = await setup({});
    const outcomes = await executeFunctionCalls(
      [call('x', { code: 'ls' }, 'shell'), call('y', '{"code": "ls"'), call('z', { code: 'print(1)', language: 'python' })],
      { sessions: scripted.sessions, sessionId: 's', languages: ['bash'] },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(outcomes[0]?.output.text).toBe('Unknown function "shell". The functions here are run_code, run_command, read_file, write_file.');
    expect(outcomes[1]?.output.text).toMatch(/not valid JSON.*"code", "language"/);
    expect(outcomes[2]?.output.text).toMatch(/not valid:\n.*language/s);
    expect(scripted.sandboxes).toEqual([]);
  });

  it('offers only the functions it is given', async () => {
    await using scripted = await setup({});
    const [outcome] = await executeFunctionCalls([call('r', { path: 'a' }, 'read_file')], { sessions: scripted.sessions, sessionId: 's', functions: ['run_code'] });
    expect(outcome?.output.text).toBe('Unknown function "read_file". The functions here are run_code.');
  });

  it('rejects when the sandbox itself fails, so the caller learns the runner is gone', async () => {
    await using scripted = await setup({ code: () => ({ throws: Object.assign(new Error('connection refused'), { name: 'SandboxError' }) }) });
    await expect(executeFunctionCalls([call('c', { code: '1', language: 'python' })], { sessions: scripted.sessions, sessionId: 's' })).rejects.toThrow('connection refused');
  });

  it('rejects without a session id before making a sandbox', async () => {
    await using scripted = await setup({});
    await expect(executeFunctionCalls([call('c', { code: '1', language: 'python' })], { sessions: scripted.sessions, sessionId: '' })).rejects.toBeInstanceOf(
      MissingSessionIdError,
    );
    expect(scripted.sandboxes).toEqual([]);
  });

  it('interrupts the running call when aborted and runs none of the rest', async () => {
    const controller = new AbortController();
    await using scripted = await setup({ code: () => ({ hang: true }) });
    const pending = executeFunctionCalls([call('a', { code: 'sleep', language: 'python' }), call('b', { code: 'next', language: 'python' })], {
      sessions: scripted.sessions,
      sessionId: 's',
      signal: controller.signal,
      onToolCall: () => void setTimeout(() => controller.abort(new Error('user pressed stop')), 20),
    });
    await expect(pending).rejects.toThrow('user pressed stop');
    expect(scripted.sandboxes[0]?.codeCalls.map((r) => r.code)).toEqual(['sleep']);
  });
});
