import { describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError, TimeoutError } from '../errors.js';
import type { CodeExecutor } from './code-executor.js';
import { runCodeLoop, type LoopMessage } from './run-code-loop.js';
import { pngBase64 } from './testing/test-images.js';

/** A model that answers from a script, recording what it was shown. */
function scripted(replies: string[]): { model: (m: readonly LoopMessage[]) => string; seen: LoopMessage[][] } {
  const seen: LoopMessage[][] = [];
  return {
    seen,
    model: (messages) => {
      seen.push([...messages]);
      const reply = replies[seen.length - 1];
      if (reply === undefined) throw new Error('the script ran out of replies');
      return reply;
    },
  };
}

const ok = (stdout: string) => ({ stdout, stderr: '', exitCode: 0 });

describe('runCodeLoop', () => {
  it('runs the code of each reply, feeds the output back, and stops when the model answers without code', async () => {
    const { model, seen } = scripted(['Let me compute.\n```python\nprint(6 * 7)\n```', 'The answer is 42.']);
    const execute = vi.fn<CodeExecutor>(async () => ok('42\n'));
    const result = await runCodeLoop({ model, execute, messages: [{ role: 'user', content: 'What is 6 × 7?' }] });
    expect(execute).toHaveBeenCalledExactlyOnceWith('print(6 * 7)', 'python');
    expect(result.stopReason).toBe('answer');
    expect(result.answer).toBe('The answer is 42.');
    expect(result.steps).toHaveLength(2);
    expect(seen[1]?.at(-1)).toEqual({ role: 'user', content: 'Output (python):\nstdout: 42' });
    expect(result.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('stops at maxSteps and says so', async () => {
    const { model, seen } = scripted(Array(5).fill('```bash\necho again\n```'));
    const result = await runCodeLoop({ model, execute: async () => ok('again\n'), messages: [], maxSteps: 3 });
    expect(result.stopReason).toBe('max-steps');
    expect(seen).toHaveLength(3);
    expect(result.steps.map((s) => s.executions.length)).toEqual([1, 1, 1]);
  });

  it('stops running a reply\'s blocks at the first failure and tells the model which were skipped', async () => {
    const { model, seen } = scripted(['```py\nx = 1\n```\n```js\nthrow 1\n```\n```sh\necho a\n```\n```sh\necho b\n```', 'done']);
    const execute = vi.fn<CodeExecutor>(async (_code, language) =>
      language === 'javascript'
        ? { logs: { stdout: [], stderr: [] }, error: { name: 'Error', value: 'boom', traceback: '' } }
        : ok(''),
    );
    const result = await runCodeLoop({ model, execute, messages: [] });
    expect(execute).toHaveBeenCalledTimes(2);
    expect(result.steps[0]?.skipped.map((b) => b.code)).toEqual(['echo a', 'echo b']);
    expect(result.steps[0]?.executions.map((e) => e.failed)).toEqual([false, true]);
    expect(seen[1]?.at(-1)?.content).toBe(
      'Output of code block 1 (python):\n(no output)\n\nOutput of code block 2 (javascript):\nerror: Error: boom\n\nCode blocks 3-4 were not run because block 2 failed.',
    );
  });

  it('feeds a timeout back as an error, and lets other failures end the loop', async () => {
    const { model, seen } = scripted(['```python\nwhile True: pass\n```', 'Too slow, giving up.']);
    const result = await runCodeLoop({
      model,
      execute: async () => {
        throw new TimeoutError('Execution timed out after 60000 ms');
      },
      messages: [],
    });
    expect(result.stopReason).toBe('answer');
    expect(seen[1]?.at(-1)?.content).toContain('error: TimeoutError: Execution timed out after 60000 ms');

    const gone = scripted(['```python\n1\n```']);
    await expect(
      runCodeLoop({ model: gone.model, execute: () => Promise.reject(new Error('sandbox not found')), messages: [] }),
    ).rejects.toThrow('sandbox not found');
  });

  it('attaches the images code produced to the fed-back message', async () => {
    const png = pngBase64(8, 4);
    const { model, seen } = scripted(['```python\nplot()\n```', 'A plot.']);
    await runCodeLoop({ model, execute: async () => ({ logs: { stdout: [], stderr: [] }, results: [{ png }] }), messages: [] });
    const fed = seen[1]?.at(-1);
    expect(fed?.content).toMatch(/output: \[image\/png 8×4, \d+ B\]/);
    expect(fed?.images?.map((i) => i.data)).toEqual([png]);
  });

  it('uses runCode when the sandbox has it', async () => {
    const runCode = vi.fn(async () => ({ logs: { stdout: ['hi\n'], stderr: [] } }));
    const { model } = scripted(['```ts\nconsole.log("hi")\n```', 'ok']);
    await runCodeLoop({ model, sandbox: { runCode }, messages: [] });
    expect(runCode).toHaveBeenCalledWith('console.log("hi")', expect.objectContaining({ language: 'typescript' }));
  });

  it('honours an abort signal between steps', async () => {
    const controller = new AbortController();
    const { model } = scripted(['```python\n1\n```', 'never asked']);
    const run = runCodeLoop({ model, execute: async () => (controller.abort(new Error('user stopped')), ok('')), messages: [], signal: controller.signal });
    await expect(run).rejects.toThrow('user stopped');
  });

  it('validates its options', async () => {
    await expect(runCodeLoop({ model: () => '', messages: [] })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(runCodeLoop({ model: () => '', execute: async () => ok(''), messages: [], maxSteps: 0 })).rejects.toThrow(/maxSteps/);
  });
});
