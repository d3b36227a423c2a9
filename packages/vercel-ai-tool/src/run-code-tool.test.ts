import { SandboxSessions, TimeoutError } from '@codebox/core-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCodeTool } from './run-code-tool.js';
import { FakeSandbox } from './testing/fake-sandbox.js';
import type { CodeboxToolOutput } from './tool-output.js';

const sessions = () => new SandboxSessions({ sandboxClass: FakeSandbox.factory, closeOnExit: false });

async function collect(iterable: unknown): Promise<CodeboxToolOutput[]> {
  const outputs: CodeboxToolOutput[] = [];
  for await (const output of iterable as AsyncIterable<CodeboxToolOutput>) outputs.push(output);
  return outputs;
}

beforeEach(() => FakeSandbox.reset());

describe('runCodeTool', () => {
  it('runs in the call\'s session with the default language and the time limit, passing the abort signal on', async () => {
    await using pool = sessions();
    const tool = runCodeTool({ sessions: pool, sessionId: 'fixed', timeoutMs: 5000, defaultLanguage: 'javascript' });
    const outputs = await collect(tool.execute!({ code: '1' }, { toolCallId: 't', messages: [], context: { sessionId: 'from-context' } }));
    expect(pool.sessionIds()).toEqual(['from-context']);
    const [call] = FakeSandbox.made[0]!.codeCalls;
    expect(call?.code).toBe('1');
    expect(call?.opts).toMatchObject({ language: 'javascript', timeoutMs: 5000 });
    expect(call?.opts.signal).toBeInstanceOf(AbortSignal);
    expect(outputs).toEqual([{ status: 'done', text: '(no output)', images: [], truncated: false }]);
  });

  it('turns an expired time limit into a result with the output so far', async () => {
    await using pool = sessions();
    FakeSandbox.run = async (opts) => {
      await opts.onStdout?.({ line: 'partial\n', timestamp: 0, error: false });
      throw new TimeoutError('Execution timed out after 100 ms');
    };
    const outputs = await collect(runCodeTool({ sessions: pool }).execute!({ code: 'loop' }, { toolCallId: 't', messages: [], context: undefined }));
    expect(outputs.at(-1)).toEqual({
      status: 'done',
      text: 'stdout: partial\nerror: TimeoutError: Execution timed out after 100 ms',
      images: [],
      truncated: false,
      error: { name: 'TimeoutError', value: 'Execution timed out after 100 ms' },
    });
  });

  it('rethrows failures other than a time-out, and the abort of the call as it is', async () => {
    await using pool = sessions();
    const tool = runCodeTool({ sessions: pool });
    FakeSandbox.run = async () => {
      throw new Error('connection reset');
    };
    await expect(collect(tool.execute!({ code: 'x' }, { toolCallId: 't', messages: [], context: undefined }))).rejects.toThrow('connection reset');

    const controller = new AbortController();
    FakeSandbox.run = (opts) =>
      new Promise((_, reject) => {
        opts.signal?.addEventListener('abort', () => reject(opts.signal?.reason));
        controller.abort(new TimeoutError('the caller gave up'));
      });
    // Even a TimeoutError reason stays an error when it is the call's abort, not the code's limit.
    await expect(
      collect(tool.execute!({ code: 'x' }, { toolCallId: 't', messages: [], context: undefined, abortSignal: controller.signal })),
    ).rejects.toThrow('the caller gave up');
  });
});

describe('runCodeTool options', () => {
  it('refuses an output budget too small for the shaped output when the tool is made', async () => {
    await using pool = new SandboxSessions({ sandboxClass: FakeSandbox.factory, closeOnExit: false });
    expect(() => runCodeTool({ sessions: pool, maxOutputChars: 100 })).toThrow(/maxChars must be an integer of at least 500/);
  });
});
