import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { streamProgress, type OutputSink } from './stream-progress.js';
import type { RunningOutput } from './tool-output.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drains the generator: the snapshots it yielded and the value it returned. */
async function drain<T>(generator: AsyncGenerator<RunningOutput, T>): Promise<{ snapshots: RunningOutput[]; value: T }> {
  const snapshots: RunningOutput[] = [];
  for (;;) {
    const next = await generator.next();
    if (next.done) return { snapshots, value: next.value };
    snapshots.push(next.value);
  }
}

// Time is fake here (vi.useFakeTimers fakes setTimeout and Date): the tests assert exactly when
// snapshots come, without depending on how busy the machine is.
describe('streamProgress', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('yields the output so far as it arrives, then returns what the run returned', async () => {
    const run = async (sink: OutputSink) => {
      sink.stdout('a\n');
      await sleep(30);
      sink.stderr('warn\n');
      await sleep(30);
      sink.stdout('b\n');
      await sleep(30);
      return 42;
    };
    const drained = drain(streamProgress(run, { maxChars: 100, intervalMs: 0 }));
    await vi.runAllTimersAsync();
    const { snapshots, value } = await drained;
    expect(value).toBe(42);
    expect(snapshots).toEqual([
      { status: 'running', stdout: 'a\n', stderr: '' },
      { status: 'running', stdout: 'a\n', stderr: 'warn\n' },
      { status: 'running', stdout: 'a\nb\n', stderr: 'warn\n' },
    ]);
  });

  it('yields the first output at once and folds output arriving within intervalMs into one snapshot', async () => {
    const started = Date.now();
    const times: number[] = [];
    const run = async (sink: OutputSink) => {
      for (let i = 0; i < 30; i++) {
        sink.stdout(`${i}\n`);
        await sleep(10);
      }
    };
    const generator = streamProgress(run, { maxChars: 1000, intervalMs: 100 });
    const snapshots: RunningOutput[] = [];
    const collected = (async () => {
      for (let next = await generator.next(); !next.done; next = await generator.next()) {
        times.push(Date.now() - started);
        snapshots.push(next.value);
      }
    })();
    await vi.runAllTimersAsync();
    await collected;
    // Output every 10 ms for 300 ms: a snapshot at once, then one per 100 ms, not thirty.
    expect(times).toEqual([0, 100, 200, 300]);
    expect(snapshots[0]!.stdout).toBe('0\n');
  });

  it('yields nothing for a run without output, and rethrows its error', async () => {
    expect(await drain(streamProgress(async () => 'quiet', { maxChars: 100, intervalMs: 0 }))).toEqual({ snapshots: [], value: 'quiet' });
    await expect(
      drain(
        streamProgress(
          async () => {
            throw new Error('boom');
          },
          { maxChars: 100, intervalMs: 0 },
        ),
      ),
    ).rejects.toThrow('boom');
  });

  it("passes the call's abort on to the run", async () => {
    const controller = new AbortController();
    let reason: unknown;
    const run = (sink: OutputSink, signal: AbortSignal) =>
      new Promise<never>((_, reject) => {
        sink.stdout('started\n');
        signal.addEventListener('abort', () => reject((reason = signal.reason)));
      });
    const generator = streamProgress(run, { maxChars: 100, intervalMs: 0, signal: controller.signal });
    expect((await generator.next()).value).toEqual({ status: 'running', stdout: 'started\n', stderr: '' });
    controller.abort(new Error('stop'));
    await expect(generator.next()).rejects.toThrow('stop');
    expect(reason).toEqual(new Error('stop'));
  });

  it('aborts the run when the consumer stops iterating early', async () => {
    let aborted: unknown;
    const run = (sink: OutputSink, signal: AbortSignal) =>
      new Promise<never>((_, reject) => {
        sink.stdout('started\n');
        signal.addEventListener('abort', () => reject((aborted = signal.reason)));
      });
    const generator = streamProgress(run, { maxChars: 100, intervalMs: 0 });
    await generator.next();
    await generator.return(undefined as never);
    expect(aborted).toMatchObject({ name: 'AbortError' });
  });
});
