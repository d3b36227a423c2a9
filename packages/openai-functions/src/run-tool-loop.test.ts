import { SandboxSessions } from '@codebox/core-client';
import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chatTools } from './function-definitions.js';
import { runToolLoop } from './run-tool-loop.js';
import { scriptedSessions } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { startFakeOpenAI, toolMessages, type FakeOpenAIServer, type ScriptStep } from './testing/fake-openai-server.js';

let server: FakeOpenAIServer | undefined;
const { sessions } = scriptedSessions({ code: (code) => ({ stdout: [`ran ${code}\n`] }) }, SandboxSessions);
afterAll(() => sessions.close());
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function clientFor(script: ScriptStep[]): Promise<{ client: OpenAI; server: FakeOpenAIServer }> {
  server = await startFakeOpenAI(script);
  return { client: new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), server };
}

/** The final turn: the model repeats what its tool returned, proving the result went back. */
const echoToolResult: ScriptStep = (request) => ({ content: `The tool said: ${toolMessages(request).map((m) => m.content).join(' | ')}` });

describe('runToolLoop', () => {
  for (const stream of [true, false]) {
    it(`asks, runs the call, sends the result back and returns the answer (stream: ${stream})`, async () => {
      const { client, server } = await clientFor([{ toolCalls: [{ id: 'call_1', name: 'run_code', arguments: { code: 'x', language: 'python' } }] }, echoToolResult]);
      const text: string[] = [];
      const result = await runToolLoop({
        client,
        model: 'fake-model',
        messages: [{ role: 'user', content: 'run x' }],
        sessions,
        sessionId: 'chat',
        stream,
        params: { temperature: 0 },
        onText: (delta) => void text.push(delta),
      });

      expect(result).toMatchObject({ stopReason: 'answer', content: 'The tool said: stdout: ran x', steps: 2 });
      expect(text.join('')).toBe('The tool said: stdout: ran x');
      // Streaming delivers the text in pieces; without it, in one.
      expect(text.length > 1).toBe(stream);
      expect(result.outcomes.map((o) => o.call)).toEqual([{ id: 'call_1', name: 'run_code', arguments: '{"code":"x","language":"python"}' }]);
      expect(server.requests).toHaveLength(2);
      const [first, second] = server.requests;
      expect(first?.body).toMatchObject({ model: 'fake-model', temperature: 0, tools: chatTools() });
      expect(first?.body.stream ?? false).toBe(stream);
      expect(second?.body.messages).toEqual([
        { role: 'user', content: 'run x' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_code', arguments: '{"code":"x","language":"python"}' } }],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'stdout: ran x' },
      ]);
      expect(result.messages).toEqual([...(second?.body.messages as unknown[]), { role: 'assistant', content: 'The tool said: stdout: ran x' }]);
    });
  }

  it('answers parallel calls of one turn, one tool message each, in order', async () => {
    const { client, server } = await clientFor([
      {
        toolCalls: [
          { id: 'call_a', name: 'run_code', arguments: { code: 'a', language: 'python' } },
          { id: 'call_b', name: 'run_code', arguments: { code: 'b', language: 'bash' } },
        ],
      },
      echoToolResult,
    ]);
    const result = await runToolLoop({ client, model: 'm', messages: [{ role: 'user', content: 'go' }], sessions, sessionId: 'chat' });
    expect(toolMessages(server.requests[1])).toEqual([
      { role: 'tool', tool_call_id: 'call_a', content: 'stdout: ran a' },
      { role: 'tool', tool_call_id: 'call_b', content: 'stdout: ran b' },
    ]);
    expect(result.content).toBe('The tool said: stdout: ran a | stdout: ran b');
  });

  it('stops after maxSteps model calls, with the last calls answered so the conversation can go on', async () => {
    const again = { toolCalls: [{ name: 'run_code', arguments: { code: 'more', language: 'python' } }] };
    const { client, server } = await clientFor([again, again, again]);
    const result = await runToolLoop({ client, model: 'm', messages: [{ role: 'user', content: 'loop' }], sessions, sessionId: 'chat', maxSteps: 2 });
    expect(result).toMatchObject({ stopReason: 'max-steps', steps: 2, content: null });
    expect(server.requests).toHaveLength(2);
    expect(result.outcomes).toHaveLength(2);
    expect(result.messages.at(-1)).toMatchObject({ role: 'tool', content: 'stdout: ran more' });
  });

  it('passes the model API’s errors through', async () => {
    const { client } = await clientFor([{ fail: { status: 400, message: 'model not found' } }]);
    await expect(runToolLoop({ client, model: 'nope', messages: [{ role: 'user', content: 'hi' }], sessions, sessionId: 'chat' })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('model not found'),
    });
  });

  it('refuses a maxSteps that is not a positive integer, and stops when aborted', async () => {
    const { client, server } = await clientFor([]);
    await expect(runToolLoop({ client, model: 'm', messages: [], sessions, sessionId: 'chat', maxSteps: 0 })).rejects.toThrow(/maxSteps must be a positive integer/);
    await expect(runToolLoop({ client, model: 'm', messages: [], sessions, sessionId: 'chat', signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
    expect(server.requests).toHaveLength(0);
  });
});
