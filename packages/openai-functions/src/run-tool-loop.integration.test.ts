// Whole tool-calling loops offline: the real `openai` client talks to a local scripted
// OpenAI-compatible server, and the code runs in real sandboxes of a real runner.
import { join } from 'node:path';
import { SandboxSessions } from '@codebox/core-client';
import OpenAI from 'openai';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRunner, type RunnerHandle } from '../../../test/support/runner.js';
import { stopChildWithSigterm, useChildScript } from '../../../test/support/sigterm-child.js';
import { dispatchResponsesFunctionCalls } from './dispatch-responses.js';
import { responsesTools } from './function-definitions.js';
import { runToolLoop } from './run-tool-loop.js';
import { startFakeOpenAI, toolMessages, type FakeOpenAIServer, type ScriptStep } from './testing/fake-openai-server.js';

let runner: RunnerHandle;
let server: FakeOpenAIServer | undefined;
beforeAll(async () => {
  runner = await startRunner();
});
afterAll(async () => {
  await runner?.close();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function newSessions(): SandboxSessions {
  return new SandboxSessions({ template: 'code-interpreter-v1', sandboxOpts: { apiUrl: runner.url, apiKey: runner.keys[0] } });
}

async function clientFor(script: ScriptStep[], chunkDelayMs = 0): Promise<{ client: OpenAI; server: FakeOpenAIServer }> {
  server = await startFakeOpenAI(script, { chunkDelayMs });
  return { client: new OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 }), server };
}

/** Containers disappear a moment after a kill returns. */
async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const echoToolResult: ScriptStep = (request) => ({ content: `Done. ${toolMessages(request).map((m) => m.content).join(' | ')}` });

describe('runToolLoop against a real runner', () => {
  it('streams execution output while the code runs and the answer as it is generated; cleans up on close', async () => {
    const before = runner.containerIds().length;
    const code = 'console.log("first"); await new Promise((r) => setTimeout(r, 1500)); console.log("second"); 6 * 7';
    const { client, server } = await clientFor([{ toolCalls: [{ name: 'run_code', arguments: { code, language: 'javascript' } }] }, echoToolResult], 20);
    const sessions = newSessions();
    const events: { what: string; at: number }[] = [];
    const note = (what: string): void => void events.push({ what, at: Date.now() });
    try {
      const result = await runToolLoop({
        client,
        model: 'fake-model',
        messages: [{ role: 'user', content: 'Print two lines, a second apart, then compute 6 * 7.' }],
        sessions,
        sessionId: 'conversation-1',
        onToolCall: (call) => note(`call ${call.name}`),
        onStdout: (text) => note(`stdout ${text.trim()}`),
        onToolResult: (outcome) => note(`result ${outcome.status}`),
        onText: (delta) => note(`text ${delta}`),
      });
      expect(runner.containerIds()).toHaveLength(before + 1);
      expect(result.stopReason).toBe('answer');
      expect(result.content).toBe('Done. stdout:\nfirst\nsecond\nresult: 42');
      expect(toolMessages(server.requests[1])).toEqual([{ role: 'tool', tool_call_id: expect.any(String), content: 'stdout:\nfirst\nsecond\nresult: 42' }]);

      const order = events.map((e) => e.what.split(' ').slice(0, 2).join(' '));
      const firstText = order.findIndex((w) => w.startsWith('text'));
      expect(order.slice(0, firstText)).toEqual(['call run_code', 'stdout first', 'stdout second', 'result ran']);
      // Several text deltas, and they arrive spread over time (streamed, not all at the end).
      const texts = events.slice(firstText);
      expect(texts.length).toBeGreaterThan(3);
      expect(texts.every((e) => e.what.startsWith('text'))).toBe(true);
      expect((texts.at(-1)?.at ?? 0) - (texts[0]?.at ?? 0)).toBeGreaterThan(40);
      // The first line reached us while the code was still running: well before it ended.
      const at = (what: string): number => events.find((e) => e.what === what)?.at ?? Number.NaN;
      expect(at('result ran') - at('stdout first')).toBeGreaterThan(1000);
      console.log(`first stdout line reached onStdout ${at('result ran') - at('stdout first')} ms before the execution ended; answer streamed in ${texts.length} deltas`);
    } finally {
      await sessions.close();
    }
    await eventually(() => runner.containerIds().length === before);
  });

  it('runs parallel calls in one sandbox per session, keeping state across calls and turns (no streaming)', async () => {
    const before = runner.containerIds().length;
    const { client, server } = await clientFor([
      {
        toolCalls: [
          { id: 'call_py', name: 'run_code', arguments: { code: 'x = 41\nprint("x set")', language: 'python' } },
          { id: 'call_sh', name: 'run_code', arguments: { code: 'echo warning >&2; echo ok', language: 'bash' } },
        ],
      },
      { toolCalls: [{ id: 'call_again', name: 'run_code', arguments: { code: 'x + 1', language: 'python' } }] },
      echoToolResult,
    ]);
    const sessions = newSessions();
    try {
      const result = await runToolLoop({ client, model: 'fake-model', messages: [{ role: 'user', content: 'go' }], sessions, sessionId: 'default', stream: false });
      expect(result.steps).toBe(3);
      expect(toolMessages(server.requests[1])).toEqual([
        { role: 'tool', tool_call_id: 'call_py', content: 'stdout: x set' },
        { role: 'tool', tool_call_id: 'call_sh', content: 'stdout: ok\nstderr: warning' },
      ]);
      expect(toolMessages(server.requests[2]).at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_again', content: 'result: 42' });
      expect(runner.containerIds()).toHaveLength(before + 1);
    } finally {
      await sessions.close();
    }
    await eventually(() => runner.containerIds().length === before);
  });

  it('passes a matplotlib figure to the model as an image_url data URL, described in the tool message', async () => {
    const code = 'import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()';
    const { client, server } = await clientFor([{ toolCalls: [{ id: 'call_plot', name: 'run_code', arguments: { code, language: 'python' } }] }, { content: 'A zigzag.' }]);
    const sessions = newSessions();
    try {
      const result = await runToolLoop({ client, model: 'fake-model', messages: [{ role: 'user', content: 'plot' }], sessions, sessionId: 'default', images: true });
      expect(result.content).toBe('A zigzag.');
      const sent = server.requests[1]?.body.messages as { role: string; content: unknown }[];
      expect(sent.at(-2)).toEqual({ role: 'tool', tool_call_id: 'call_plot', content: expect.stringMatching(/^output: \[image\/png \d+×\d+, \d+ KB\]$/) });
      expect(sent.at(-1)).toEqual({
        role: 'user',
        content: [
          { type: 'text', text: 'Images displayed by run_code call call_plot:' },
          { type: 'image_url', image_url: { url: expect.stringMatching(/^data:image\/png;base64,iVBORw0KGgo/) } },
        ],
      });
      expect(result.outcomes[0]?.output.images[0]?.width).toBeGreaterThan(100);
    } finally {
      await sessions.close();
    }
  });

  it('interrupts the running code when aborted; the session’s sandbox stays usable', async () => {
    const before = runner.containerIds().length;
    const sleeper = 'console.log("started"); await new Promise((r) => setTimeout(r, 30_000)); console.log("never")';
    const { client } = await clientFor([
      { toolCalls: [{ name: 'run_code', arguments: { code: sleeper, language: 'javascript' } }] },
      { toolCalls: [{ name: 'run_code', arguments: { code: 'console.log("still here")', language: 'javascript' } }] },
      echoToolResult,
    ]);
    const sessions = newSessions();
    try {
      const controller = new AbortController();
      const startedAt = Date.now();
      const aborted = runToolLoop({
        client,
        model: 'fake-model',
        messages: [{ role: 'user', content: 'sleep' }],
        sessions,
        sessionId: 'default',
        signal: controller.signal,
        onStdout: (text) => {
          if (text.includes('started')) controller.abort();
        },
      });
      await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
      const tookMs = Date.now() - startedAt;
      expect(tookMs).toBeLessThan(10_000);
      console.log(`abort interrupted a 30 s execution; the loop rejected ${tookMs} ms after it started`);

      const next = await runToolLoop({ client, model: 'fake-model', messages: [{ role: 'user', content: 'again' }], sessions, sessionId: 'default' });
      expect(next.content).toBe('Done. stdout: still here');
      expect(runner.containerIds()).toHaveLength(before + 1);
    } finally {
      await sessions.close();
    }
    await eventually(() => runner.containerIds().length === before);
  });

  it('drives a Responses API loop with dispatchResponsesFunctionCalls', async () => {
    const { client, server } = await clientFor([
      { toolCalls: [{ id: 'call_r', name: 'run_code', arguments: { code: 'echo $((6 * 7))', language: 'bash' } }] },
      (request) => {
        const outputs = (request.body.input as ResponseInputItem[]).filter((i) => 'type' in i && i.type === 'function_call_output');
        return { content: `It printed ${JSON.stringify(outputs.map((o) => (o as ResponseInputItem.FunctionCallOutput).output))}` };
      },
    ]);
    const sessions = newSessions();
    try {
      const input: ResponseInputItem[] = [{ role: 'user', content: 'What is 6 * 7? Use bash.' }];
      const tools = responsesTools({ languages: ['bash'] });
      const first = await client.responses.create({ model: 'fake-model', input, tools });
      input.push(...(first.output as ResponseInputItem[]), ...(await dispatchResponsesFunctionCalls(first.output, { sessions, sessionId: 'default' })));
      const second = await client.responses.create({ model: 'fake-model', input, tools });
      expect(second.output_text).toBe('It printed ["stdout: 42"]');
      expect(server.requests[0]?.body.tools).toEqual(tools);
    } finally {
      await sessions.close();
    }
  });

  it('leaves no sandbox behind when the model call fails mid-loop', async () => {
    const before = runner.containerIds().length;
    const { client } = await clientFor([
      { toolCalls: [{ name: 'run_code', arguments: { code: 'print(1)', language: 'python' } }] },
      { fail: { status: 500, message: 'upstream exploded' } },
    ]);
    const sessions = newSessions();
    let sawSandbox = false;
    try {
      await expect(
        runToolLoop({
          client,
          model: 'fake-model',
          messages: [{ role: 'user', content: 'x' }],
          sessions,
          sessionId: 'default',
          onToolResult: () => void (sawSandbox = runner.containerIds().length === before + 1),
        }),
      ).rejects.toMatchObject({ status: 500 });
    } finally {
      await sessions.close();
    }
    expect(sawSandbox).toBe(true);
    await eventually(() => runner.containerIds().length === before);
  });

  describe('in a child process stopped with SIGTERM while its code runs', () => {
    const script = useChildScript(join(import.meta.dirname, 'testing/tool-loop-child.ts'));

    it('kills the session sandbox, then dies of the signal', async () => {
      const before = runner.containerIds().length;
      const code = 'import time\nprint("running", flush=True)\ntime.sleep(120)';
      const { server } = await clientFor([{ toolCalls: [{ name: 'run_code', arguments: { code, language: 'python' } }] }]);
      const { code: exitCode, signal, output, tookMs } = await stopChildWithSigterm({
        script: script(),
        args: [server.baseURL],
        env: { CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0] },
        readyText: 'running',
        beforeSignal: (printed) => {
          expect(printed).toContain('running');
          expect(runner.containerIds()).toHaveLength(before + 1);
        },
      });
      // The execution failed when its sandbox was killed, the program said so, and the signal
      // then had its own effect once the cleanup was done: death by SIGTERM, not a normal exit.
      expect(output).toMatch(/loop ended: \w+/);
      expect({ exitCode, signal, output }).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
      await eventually(() => runner.containerIds().length === before);
      console.log(`child in mid-execution closed its session and died of SIGTERM in ${tookMs} ms (${output.match(/loop ended: .*/)?.[0]})`);
    });
  });
});
