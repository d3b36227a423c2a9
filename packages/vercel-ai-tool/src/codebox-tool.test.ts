import { SandboxSessions } from '@codebox/core-client';
// The AI SDK glue, with the scripted sandbox: preliminary results while code runs, the final
// result, the call's abort, and a whole streamText loop with the AI SDK's mock model. The
// behaviour shared with the other packages is tested once for all three in test/agent-tools.
import { stepCountIs, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { scriptedSessions } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { codeboxTool } from './codebox-tool.js';
import { codeboxTools } from './codebox-tools.js';
import { lastToolResults, scriptedModel } from './testing/scripted-model.js';
import type { CodeboxToolOutput } from './tool-output.js';

async function collect(iterable: unknown): Promise<CodeboxToolOutput[]> {
  const outputs: CodeboxToolOutput[] = [];
  for await (const output of iterable as AsyncIterable<CodeboxToolOutput>) outputs.push(output);
  return outputs;
}

describe('AI SDK Codebox tools (glue)', () => {
  it("runs in the call's session with the time limit, streaming output as preliminary results before the final one", async () => {
    const { sessions, sandboxes } = scriptedSessions({ code: () => ({ stdout: ['one\n', 'two\n'] }) }, SandboxSessions);
    await using _ = sessions;
    const tool = codeboxTool('run_code', { sessions, timeoutMs: 5000, languages: ['javascript', 'python'], progressIntervalMs: 0 });
    const outputs = await collect(tool.execute!({ code: '1' }, { toolCallId: 't', messages: [], context: { sessionId: 'from-context' } }));
    expect(sessions.sessionIds()).toEqual(['from-context']);
    expect(sandboxes[0]?.codeCalls[0]?.opts).toMatchObject({ language: 'javascript', timeoutMs: 5000 });
    expect(sandboxes[0]?.codeCalls[0]?.opts.signal).toBeInstanceOf(AbortSignal);
    expect(outputs[0]).toEqual({ status: 'running', stdout: 'one\n', stderr: '' });
    expect(outputs.at(-1)).toEqual({ status: 'done', text: 'stdout:\none\ntwo', images: [], truncated: false });
  });

  it('rethrows the abort of the call as it is, even when its reason is a TimeoutError', async () => {
    const { sessions } = scriptedSessions({ code: () => ({ hang: true }) }, SandboxSessions);
    await using _ = sessions;
    const controller = new AbortController();
    const generator = codeboxTool('run_code', { sessions, sessionId: 's' }).execute!(
      { code: 'x' },
      { toolCallId: 't', messages: [], context: undefined, abortSignal: controller.signal },
    ) as AsyncGenerator<CodeboxToolOutput>;
    const next = generator.next();
    controller.abort(Object.assign(new Error('the caller gave up'), { name: 'TimeoutError' }));
    await expect(next).rejects.toThrow('the caller gave up');
  });

  it('refuses an output budget too small for the shaped output when the tool is made', async () => {
    const { sessions } = scriptedSessions({}, SandboxSessions);
    await using _ = sessions;
    expect(() => codeboxTools({ sessions, maxOutputChars: 100 })).toThrow(/maxChars must be an integer of at least 500/);
  });

  it('runs a streamText loop: the model calls run_code, sees the chart it made as an image part, and answers', async () => {
    const png = pngBase64(4, 3);
    const { sessions } = scriptedSessions({ code: () => ({ stdout: ['drawn\n'], results: [{ png, isMainResult: false }] }) }, SandboxSessions);
    await using _ = sessions;
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'run_code', input: { code: 'plot()' } }] },
      (call) => ({ text: JSON.stringify(lastToolResults(call)[0]?.output) }),
    ]);
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'chat' }), stopWhen: stepCountIs(3), prompt: 'plot' });
    const output = JSON.parse(await result.text) as { type: string; value: { type: string }[] };
    expect(output.type).toBe('content');
    expect(output.value.map((part) => part.type)).toEqual(['text', 'file']);
  });
});
