// The LangChain glue, with the scripted sandbox and LangChain's own fake model: content and
// artifact, streamed output events, image blocks, errors in an agent. The behaviour shared
// with the other packages is tested once for all three in test/agent-tools.
import { InvalidArgumentError, SandboxSessions, type AgentSandbox } from '@codebox/core-client';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ToolInputParsingException } from '@langchain/core/tools';
import { createAgent, fakeModel } from 'langchain';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedSessions, type SandboxScript } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { createCodeboxTool } from './codebox-tool.js';
import { CODEBOX_OUTPUT_EVENT, type CodeboxOutputEvent } from './output-events.js';

const open: SandboxSessions<AgentSandbox>[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function sessionsRunning(script: SandboxScript = {}) {
  const scripted = scriptedSessions(script, SandboxSessions);
  open.push(scripted.sessions);
  return scripted;
}

describe('LangChain Codebox tools (glue)', () => {
  it('answers a tool call with the shaped output as content and the result as artifact, streaming output as custom events', async () => {
    const { sandboxes, sessions } = sessionsRunning({ code: () => ({ stdout: ['one\n', 'two\n'], stderr: ['careful\n'] }) });
    const runCode = createCodeboxTool('run_code', { sessions, timeoutMs: 5000 });
    const events: { name: string; data: CodeboxOutputEvent }[] = [];
    const controller = new AbortController();
    const message = await runCode.invoke(
      { type: 'tool_call', id: 'call-1', name: 'run_code', args: { code: 'print(1)' } },
      {
        configurable: { thread_id: 'thread-a' },
        signal: controller.signal,
        callbacks: [{ handleCustomEvent: (name: string, data: CodeboxOutputEvent) => void events.push({ name, data }) }],
      },
    );
    expect(message).toBeInstanceOf(ToolMessage);
    expect(message.content).toBe('stdout:\none\ntwo\nstderr: careful');
    expect(message.artifact).toMatchObject({ logs: { stdout: ['one\n', 'two\n'] } });
    expect(message.tool_call_id).toBe('call-1');
    expect(events.map((e) => [e.name, e.data.stream, e.data.text])).toEqual([
      [CODEBOX_OUTPUT_EVENT, 'stdout', 'one\n'],
      [CODEBOX_OUTPUT_EVENT, 'stdout', 'two\n'],
      [CODEBOX_OUTPUT_EVENT, 'stderr', 'careful\n'],
    ]);
    expect(events[0]?.data).toMatchObject({ type: CODEBOX_OUTPUT_EVENT, tool: 'run_code', toolCallId: 'call-1', sessionId: 'thread-a' });
    expect(sandboxes[0]?.codeCalls[0]?.opts).toMatchObject({ language: 'python', timeoutMs: 5000 });
  });

  it('uses one sandbox per thread inside an agent, streams to streamMode "custom", and feeds the output back to the model', async () => {
    const { sandboxes, sessions } = sessionsRunning({ code: () => ({ stdout: ['42\n'] }) });
    const runCode = createCodeboxTool('run_code', { sessions });
    const model = fakeModel()
      .respondWithTools([{ name: 'run_code', args: { code: '6*7', language: 'javascript' }, id: 'c1' }])
      .respond((messages: BaseMessage[]) => new AIMessage(`The answer is ${String(messages.at(-1)?.content)}`))
      .respondWithTools([{ name: 'run_code', args: { code: 'again' }, id: 'c2' }])
      .respond(new AIMessage('done'));
    const agent = createAgent({ model, tools: [runCode] });
    const seen: [string, unknown][] = [];
    for await (const [mode, chunk] of await agent.stream(
      { messages: [{ role: 'user', content: 'compute' }] },
      { streamMode: ['custom', 'tools'], configurable: { thread_id: 't1' } },
    )) {
      seen.push([mode, chunk]);
    }
    const order = seen.map(([mode, chunk]) => (mode === 'custom' ? `custom:${(chunk as CodeboxOutputEvent).text}` : `tools:${(chunk as { event: string }).event}`));
    expect(order).toEqual(['tools:on_tool_start', 'custom:42\n', 'tools:on_tool_end']);
    expect(model.calls[1]?.messages.at(-1)?.content).toBe('stdout: 42');

    await agent.invoke({ messages: [{ role: 'user', content: 'again' }] }, { configurable: { thread_id: 't1' } });
    expect(sandboxes).toHaveLength(1);
    expect(sandboxes[0]?.codeCalls.map((r) => r.opts.language)).toEqual(['javascript', 'python']);
  });

  it('returns images as image blocks after the text, or only described when includeImages is off', async () => {
    const png = pngBase64(16, 8);
    const { sessions } = sessionsRunning({ code: () => ({ results: [{ png, text: '<Figure size 640x480 with 1 Axes>', isMainResult: false }] }) });
    const call = { type: 'tool_call' as const, id: 'c', name: 'run_code', args: { code: 'plot()' } };
    const config = { configurable: { thread_id: 't' } };

    const withImages = await createCodeboxTool('run_code', { sessions }).invoke(call, config);
    expect(withImages.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^output: \[image\/png 16×8, /) },
      { type: 'image', mimeType: 'image/png', data: png },
    ]);
    const described = await createCodeboxTool('run_code', { sessions, includeImages: false }).invoke(call, config);
    expect(described.content).toMatch(/^output: \[image\/png 16×8, [^\]]+\]$/);
  });

  it('fails without a session id before making a sandbox, and the agent shows the model how to fix it', async () => {
    const { sandboxes, sessions } = sessionsRunning();
    const model = fakeModel()
      .respondWithTools([{ name: 'run_code', args: { code: '1' }, id: 'c1' }])
      .respond(new AIMessage('ok'));
    const agent = createAgent({ model, tools: [createCodeboxTool('run_code', { sessions })] });
    const result = await agent.invoke({ messages: [{ role: 'user', content: 'go' }] });
    const toolMessage = result.messages.find((m) => ToolMessage.isInstance(m));
    expect(toolMessage?.status).toBe('error');
    expect(String(toolMessage?.content)).toContain('MissingSessionIdError');
    expect(String(toolMessage?.content)).toContain('thread_id');
    expect(sandboxes).toHaveLength(0);
  });

  it('offers only the languages it is given, the first as the default', async () => {
    const { sandboxes, sessions } = sessionsRunning();
    const runCode = createCodeboxTool('run_code', { sessions, languages: ['bash', 'python'] });
    const config = { configurable: { thread_id: 't' } };
    await runCode.invoke({ code: 'ls' }, config);
    expect(sandboxes[0]?.codeCalls[0]?.opts.language).toBe('bash');
    await expect(runCode.invoke({ code: 'x', language: 'java' } as never, config)).rejects.toBeInstanceOf(ToolInputParsingException);
    expect(runCode.description).toContain('Languages: bash, python (bash when not given).');
    expect(() => createCodeboxTool('run_code', { sessions, languages: [] })).toThrow(InvalidArgumentError);
  });
});
