import { CappedText } from '@codebox/core-client';
import type { RunningOutput } from './tool-output.js';

/** Where a running execution reports its output. */
export interface OutputSink {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface StreamProgressOpts {
  /** Budget of each stream in a progress snapshot. */
  maxChars: number;
  /** Least time between two snapshots; output arriving meanwhile is folded into the next. */
  intervalMs: number;
  /** The tool call's abort signal. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs `run` and, while it runs, yields a {@link RunningOutput} whenever output arrived since
 * the last one — the AI SDK turns each yield of an async-iterable `execute` into a preliminary
 * tool result — then returns what `run` returned. The first output is yielded at once, later
 * ones at most every `intervalMs`, and the consumer's pace coalesces the rest, so a flood of
 * lines costs a bounded number of snapshots.
 *
 * `run` gets a signal that fires when the call is aborted or when the consumer stops iterating
 * early (the stream was cancelled), so nothing keeps running for nobody.
 */
export async function* streamProgress<T>(
  run: (sink: OutputSink, signal: AbortSignal) => Promise<T>,
  opts: StreamProgressOpts,
): AsyncGenerator<RunningOutput, T, undefined> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener('abort', onAbort, { once: true });

  const stdout = new CappedText(opts.maxChars);
  const stderr = new CappedText(opts.maxChars);
  let changed = false;
  let settled = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  const sink: OutputSink = {
    stdout: (text) => {
      stdout.append(text);
      changed = true;
      poke();
    },
    stderr: (text) => {
      stderr.append(text);
      changed = true;
      poke();
    },
  };

  const running = run(sink, controller.signal);
  const finished = running.then(
    () => {},
    () => {},
  );
  void finished.then(() => {
    settled = true;
    poke();
  });

  try {
    let lastYield = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (changed && !settled) {
        const wait = lastYield + opts.intervalMs - Date.now();
        if (wait > 0) await sleepUnless(wait, finished);
        // Finished meanwhile: the final result follows at once and supersedes a snapshot.
        if (settled) break;
        changed = false;
        lastYield = Date.now();
        yield { status: 'running', stdout: stdout.toString(), stderr: stderr.toString() };
        continue;
      }
      if (settled) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return await running;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!settled) controller.abort(new DOMException('The tool call was abandoned before its execution finished.', 'AbortError'));
  }
}

/** Waits `ms`, or less when `done` settles first. */
async function sleepUnless(ms: number, done: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), done]);
  clearTimeout(timer);
}
