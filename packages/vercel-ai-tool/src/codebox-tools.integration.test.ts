import { SandboxSessions, type Sandbox } from '@codebox/core-client';
import { stepCountIs, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { useRunner } from '../../../test/support/use-runner.js';
import { codeboxTools } from './codebox-tools.js';
import { lastToolResults, scriptedModel } from './testing/scripted-model.js';
import type { CodeboxToolOutput } from './tool-output.js';

const runner = useRunner();

/** A 1×1 PNG, as the bytes a program in the sandbox would write. */
const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('command and file tools in streamText against a real runner', () => {
  it('writes a file, runs a command on it (a non-zero exit is a result), reads text and an image back', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: 'base' });
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'write_file', input: { path: 'notes/todo.txt', content: 'buy milk\nwrite tests\n' } }] },
      {
        toolCalls: [
          { toolName: 'run_command', input: { command: 'wc -l todo.txt; echo oops >&2; exit 3', cwd: '/home/user/notes' } },
          { toolName: 'run_command', input: { command: `echo ${PIXEL_PNG} | base64 -d > pixel.png` } },
        ],
      },
      { toolCalls: [{ toolName: 'read_file', input: { path: '/home/user/notes/todo.txt' } }, { toolName: 'read_file', input: { path: 'pixel.png' } }] },
      { text: 'done' },
    ]);
    const preliminary: CodeboxToolOutput[] = [];
    const result = streamText({
      model,
      tools: codeboxTools({ sessions, sessionId: 'default' }),
      stopWhen: stepCountIs(5),
      prompt: 'make a todo list',
      onChunk: ({ chunk }) => {
        if (chunk.type === 'tool-result' && chunk.preliminary) preliminary.push(chunk.output as CodeboxToolOutput);
      },
    });
    expect(await result.text).toBe('done');

    const [, afterWrite, afterCommands, afterReads] = model.doStreamCalls.map(lastToolResults);
    expect(afterWrite).toEqual([{ toolName: 'write_file', output: { type: 'text', value: 'Wrote 21 B to /home/user/notes/todo.txt.' } }]);
    expect(afterCommands).toEqual([
      { toolName: 'run_command', output: { type: 'text', value: 'stdout: 2 todo.txt\nstderr: oops\nexit code: 3' } },
      { toolName: 'run_command', output: { type: 'text', value: '(no output)' } },
    ]);
    expect(afterReads?.[0]).toEqual({ toolName: 'read_file', output: { type: 'text', value: 'buy milk\nwrite tests\n' } });
    expect(afterReads?.[1]).toEqual({
      toolName: 'read_file',
      output: {
        type: 'content',
        value: [
          { type: 'text', text: 'pixel.png: [image/png 1×1, 70 B]' },
          { type: 'file', mediaType: 'image/png', data: { type: 'data', data: PIXEL_PNG } },
        ],
      },
    });
    // Command output streamed as preliminary results before each final one.
    expect(preliminary.some((p) => p.status === 'running' && p.stdout === '2 todo.txt\n')).toBe(true);
    expect(runner().containerIds()).toHaveLength(before + 1);
    await sessions.close();
    expect(runner().containerIds()).toHaveLength(before);
  });

  it('runs each session in its own sandbox, the session taken from the sessionId option per call', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: 'base' });
    const turn = async (user: string, command: string): Promise<string> => {
      const model = scriptedModel([{ toolCalls: [{ toolName: 'run_command', input: { command } }] }, (call) => ({ text: JSON.stringify(lastToolResults(call)[0]?.output) })]);
      // A server builds the tools per request, for the user making it.
      const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: user }), stopWhen: stepCountIs(3), prompt: command });
      return await result.text;
    };
    await turn('alice', 'echo alice > /home/user/owner');
    await turn('bob', 'echo bob > /home/user/owner');
    expect(await turn('alice', 'cat /home/user/owner')).toBe(JSON.stringify({ type: 'text', value: 'stdout: alice' }));
    expect(await turn('bob', 'cat /home/user/owner')).toBe(JSON.stringify({ type: 'text', value: 'stdout: bob' }));
    expect(sessions.sessionIds().sort()).toEqual(['alice', 'bob']);
    expect(runner().containerIds()).toHaveLength(before + 2);
  });

  it("gives a missing file to the model as an answer, and a tool's failure as an error result; the loop goes on", async () => {
    await using sessions = new SandboxSessions({ template: 'base' });
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'read_file', input: { path: '/home/user/missing.txt' } }] },
      (call) => ({ text: JSON.stringify(lastToolResults(call)[0]?.output) }),
    ]);
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(3), prompt: 'read it' });
    const output = JSON.parse(await result.text) as { type: string; value: string };
    expect(output).toEqual({ type: 'text', value: expect.stringMatching(/^No file at \/home\/user\/missing\.txt: /) });

    // No session id anywhere: the tool fails before any sandbox is made, and the model is told.
    const failing = scriptedModel([
      { toolCalls: [{ toolName: 'run_command', input: { command: 'ls' } }] },
      (call) => ({ text: JSON.stringify(lastToolResults(call)[0]?.output) }),
    ]);
    const failed = streamText({ model: failing, tools: codeboxTools({ sessions }), stopWhen: stepCountIs(3), prompt: 'list' });
    const error = JSON.parse(await failed.text) as { type: string; value: string };
    expect(error.type).toBe('error-text');
    expect(error.value).toContain('needs a session id');
    expect(sessions.sessionIds()).toEqual(['default']);
  });

  it('aborting a command kills it in the sandbox', async () => {
    await using sessions = new SandboxSessions({ template: 'base' });
    const model = scriptedModel([{ toolCalls: [{ toolName: 'run_command', input: { command: 'while true; do echo tick; sleep 0.1; done' } }] }]);
    const controller = new AbortController();
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(2), prompt: 'loop', abortSignal: controller.signal });
    const seen: string[] = [];
    const sandbox = (await sessions.get('default')) as Sandbox;
    const loops = async () => (await sandbox.commands.list()).filter((p) => p.args.join(' ').includes('while true'));
    let runningBeforeAbort = 0;
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === 'tool-result' && part.preliminary && !controller.signal.aborted) {
        runningBeforeAbort = (await loops()).length;
        controller.abort();
      }
    }
    expect(seen).toContain('abort');
    expect(runningBeforeAbort).toBe(1);
    const deadline = Date.now() + 5000;
    while ((await loops()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await loops()).toEqual([]);
  });
});
