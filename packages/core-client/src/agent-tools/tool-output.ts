import type { ImagePart } from './image-info.js';
import { isExecutionLike, type ExecutionLike, type ResultLike, type ShapeableResult } from './shapeable-result.js';
import { DEFAULT_OUTPUT_MAX_CHARS, shapeOutput } from './shape-output.js';

/** What an agent tool call hands back to the model, the same in every framework package. */
export interface ToolOutput {
  /** Compact text for the model; images appear in it as their descriptions. */
  text: string;
  /** PNG/JPEG images (charts, image files), for frameworks that pass images to the model. */
  images: ImagePart[];
  /** Whether `text` was cut to fit the output budget. */
  truncated: boolean;
  /** The code's error (`ExecutionError`, or `TimeoutError` when it was interrupted), for UIs. */
  error?: { name: string; value: string };
  /** A command's exit code. */
  exitCode?: number;
}

/** What one tool call did: the raw result (artifact for UIs and logs) and what the model gets. */
export interface ToolRun<R> {
  result: R;
  output: ToolOutput;
}

/** Options every run for a model takes. */
export interface ForModelOpts {
  /**
   * Time limit of one execution or command in milliseconds; on expiry it is stopped and the
   * model gets the output so far and a `TimeoutError`.
   * @default the sandbox's (60 s)
   */
  timeoutMs?: number;
  /** The caller's abort: stops the execution or kills the command, and the call rejects with its reason. */
  signal?: AbortSignal;
  /** Budget of the text for the model. @default 4000 */
  maxOutputChars?: number;
  /** Each piece of stdout as it is produced (a line of code's output, a chunk of a command's). */
  onStdout?: (text: string) => unknown;
  /** Each piece of stderr as it is produced. */
  onStderr?: (text: string) => unknown;
}

/**
 * The output budget of tools, checked when they are made by the rule `shapeOutput` applies (it
 * throws `InvalidArgumentError` for a budget too small), so a bad option fails at once rather
 * than after the first execution.
 */
export function outputBudget(maxOutputChars: number | undefined): number {
  const maxChars = maxOutputChars ?? DEFAULT_OUTPUT_MAX_CHARS;
  shapeOutput({ stdout: '', stderr: '', exitCode: 0 }, { maxChars });
  return maxChars;
}

/** What code or a command produced, shaped for the model within `maxChars`. */
export function toolOutput(result: ShapeableResult, maxChars: number): ToolOutput {
  const shaped = shapeOutput(result, { maxChars });
  const output: ToolOutput = { text: shaped.text, images: shaped.images, truncated: shaped.truncated };
  if (isExecutionLike(result)) {
    if (result.error) output.error = { name: result.error.name, value: result.error.value };
  } else {
    output.exitCode = result.exitCode;
  }
  return output;
}

/** What was printed (and displayed) so far by code or a command that is still running. */
export interface Printed {
  stdout: string[];
  stderr: string[];
  results?: ResultLike[];
}

/**
 * The output so far of code or a command that ran out of time, as an execution ending in a
 * `TimeoutError`: the model learns what it printed and that it was stopped, and can try again
 * differently.
 */
export function timedOutExecution(printed: Printed, error: Error): ExecutionLike {
  return {
    logs: { stdout: printed.stdout, stderr: printed.stderr },
    results: printed.results ?? [],
    error: { name: 'TimeoutError', value: error.message, traceback: '' },
  };
}

/**
 * A time limit's expiry, told apart from the caller's abort (which may carry a `TimeoutError`
 * as its reason, and is rethrown as it is).
 */
export function isTimeout(err: unknown, signal: AbortSignal | undefined): err is Error {
  return !signal?.aborted && err instanceof Error && err.name === 'TimeoutError';
}
