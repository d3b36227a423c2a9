import { SandboxSessions, type Sandbox } from '@codebox/core-client';
import { stepCountIs, streamText } from 'ai';
import { describe, expect, it } from 'vitest';
import { useRunner } from '../../../test/support/use-runner.js';
import { codeboxTools } from './codebox-tools.js';
import { lastToolResults, scriptedModel } from './testing/scripted-model.js';
import type { CodeboxToolOutput } from './tool-output.js';

const runner = useRunner();
const TEMPLATE = 'code-interpreter-v1';

/** Polls `check` until it holds (containers disappear a moment after a kill returns). */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The text a tool result gave the model (`text` output, or the text part of `content`). */
function modelText(output: unknown): string {
  const o = output as { type: string; value: unknown };
  if (o.type === 'text') return o.value as string;
  if (o.type === 'content') return (o.value as { type: string; text?: string }[]).find((p) => p.type === 'text')?.text ?? '';
  throw new Error(`unexpected tool result output ${JSON.stringify(output)}`);
}

describe('run_code in streamText against a real runner', () => {
  it('runs a full loop: tool call → execution → preliminary results while it runs → final result → model answers', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: TEMPLATE });
    const model = scriptedModel([
      {
        toolCalls: [
          {
            toolName: 'run_code',
            input: { language: 'python', code: "import time\nprint('first', flush=True)\ntime.sleep(1.5)\nprint('second')\n6 * 7" },
          },
        ],
      },
      (call) => ({ text: `The kernel said: ${modelText(lastToolResults(call)[0]?.output)}` }),
    ]);
    const started = Date.now();
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(3), prompt: 'What is 6 * 7?' });
    const events: { at: number; type: string; preliminary?: boolean; output?: CodeboxToolOutput }[] = [];
    let text = '';
    for await (const part of result.fullStream) {
      if (part.type === 'tool-result') {
        events.push({ at: Date.now() - started, type: part.type, preliminary: part.preliminary === true, output: part.output as CodeboxToolOutput });
      } else if (part.type === 'tool-call' || part.type === 'finish') {
        events.push({ at: Date.now() - started, type: part.type });
      } else if (part.type === 'text-delta') {
        text += part.text;
      } else if (part.type === 'error' || part.type === 'tool-error') {
        throw part.error;
      }
    }

    // Order: the call, running snapshots, the final result (which the AI SDK also sends as the
    // last preliminary one), the end.
    const kinds = events.map((e) => (e.preliminary ? e.output?.status : e.type));
    expect(kinds[0]).toBe('tool-call');
    expect(kinds.slice(-3)).toEqual(['done', 'tool-result', 'finish']);
    expect(new Set(kinds.slice(1, -3))).toEqual(new Set(['running']));
    const running = events[1]!;
    const final = events.at(-2)!;
    expect(running.output).toEqual({ status: 'running', stdout: 'first\n', stderr: '' });
    // Timing: the first output reached the consumer while the code still slept.
    expect(final.at - running.at).toBeGreaterThan(1000);
    expect(final.output).toEqual({ status: 'done', text: 'stdout:\nfirst\nsecond\nresult: 42', images: [], truncated: false });

    expect(text).toBe('The kernel said: stdout:\nfirst\nsecond\nresult: 42');
    expect(model.doStreamCalls).toHaveLength(2);
    expect(await result.steps).toHaveLength(2);
    expect(runner().containerIds()).toHaveLength(before + 1);
    await sessions.close();
    await eventually(() => runner().containerIds().length === before);
  });

  it('keeps kernel state between calls of one session and runs JavaScript', async () => {
    await using sessions = new SandboxSessions({ template: TEMPLATE });
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'run_code', input: { language: 'javascript', code: 'globalThis.answer = 6 * 7; "stored"' } }] },
      { toolCalls: [{ toolName: 'run_code', input: { language: 'javascript', code: 'console.log(answer + 1); answer' } }] },
      (call) => ({ text: modelText(lastToolResults(call)[0]?.output) }),
    ]);
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(5), prompt: 'go' });
    expect(await result.text).toBe('stdout: 43\nresult: 42');
    expect(sessions.sessionIds()).toEqual(['default']);
  });

  it('passes a matplotlib figure to the model as an image part', async () => {
    await using sessions = new SandboxSessions({ template: TEMPLATE });
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'run_code', input: { code: 'import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.show()' } }] },
      { text: 'a rising curve' },
    ]);
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(3), prompt: 'plot squares' });
    expect(await result.text).toBe('a rising curve');
    // What the model was given: the description, then the PNG itself (ai@7's `file` part).
    type Part = { type: string; text?: string; mediaType?: string; data?: { type: string; data: string } };
    const [output] = lastToolResults(model.doStreamCalls[1]!).map((r) => r.output) as [{ type: string; value: Part[] }];
    expect(output.type).toBe('content');
    const [textPart, imagePart, ...rest] = output.value;
    expect(rest).toEqual([]);
    expect(textPart?.text).toMatch(/^output: \[image\/png 640×480, \d+ KB\]$/);
    expect(imagePart).toMatchObject({ type: 'file', mediaType: 'image/png', data: { type: 'data' } });
    expect(Buffer.from(imagePart!.data!.data, 'base64').subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  });

  it('aborting the call interrupts the running code, and the session stays usable', async () => {
    await using sessions = new SandboxSessions({ template: TEMPLATE });
    const loop = "import time\ni = 0\nwhile True:\n    i += 1\n    open('/tmp/ticks', 'a').write('x')\n    print(i, flush=True)\n    time.sleep(0.1)";
    const model = scriptedModel([{ toolCalls: [{ toolName: 'run_code', input: { code: loop } }] }]);
    const controller = new AbortController();
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(2), prompt: 'loop', abortSignal: controller.signal });
    const seen: string[] = [];
    let abortedAt = 0;
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === 'tool-result' && part.preliminary && abortedAt === 0) {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    expect(seen).toContain('abort');
    expect(seen).not.toContain('finish');
    expect(Date.now() - abortedAt).toBeLessThan(2000);

    // The loop stopped: the file stops growing, and the kernel answers at once.
    const sandbox = (await sessions.get('default')) as Sandbox;
    const ticks = async () => (await sandbox.files.read('/tmp/ticks')).length;
    await new Promise((r) => setTimeout(r, 500));
    const first = await ticks();
    await new Promise((r) => setTimeout(r, 1000));
    expect(await ticks()).toBe(first);
    const again = await sandbox.runCode('i > 0', { language: 'python', timeoutMs: 10_000 });
    expect(again.text).toBe('True');
  });

  it('gives the model the output so far and a TimeoutError when the code runs out of time', async () => {
    await using sessions = new SandboxSessions({ template: TEMPLATE });
    const model = scriptedModel([
      { toolCalls: [{ toolName: 'run_code', input: { code: "import time\nprint('working', flush=True)\ntime.sleep(30)" } }] },
      (call) => ({ text: modelText(lastToolResults(call)[0]?.output) }),
    ]);
    const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default', timeoutMs: 1500 }), stopWhen: stepCountIs(3), prompt: 'sleep' });
    const text = await result.text;
    expect(text).toMatch(/^stdout: working\nerror: TimeoutError: Execution timed out after 1500 ms/);
    const final = (await result.steps)[0]!.toolResults[0]!.output as CodeboxToolOutput;
    expect(final).toMatchObject({ status: 'done', error: { name: 'TimeoutError' } });
  });

  it('leaves no container behind when the agent throws mid-loop', async () => {
    const before = runner().containerIds().length;
    let during = 0;
    const agent = async (): Promise<void> => {
      await using sessions = new SandboxSessions({ template: TEMPLATE });
      const model = scriptedModel([{ toolCalls: [{ toolName: 'run_code', input: { code: '1 + 1' } }] }, { text: 'never read' }]);
      const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: 'default' }), stopWhen: stepCountIs(3), prompt: 'x' });
      for await (const part of result.fullStream) {
        if (part.type === 'tool-result' && !part.preliminary) {
          during = runner().containerIds().length;
          throw new Error('the agent failed on the tool result');
        }
      }
    };
    await expect(agent()).rejects.toThrow('the agent failed on the tool result');
    expect(during).toBe(before + 1);
    await eventually(() => runner().containerIds().length === before);
  });
});
