import { shapeOutput, type ShapeableResult } from '@codebox/core-client';
import type { FinishedOutput } from './tool-output.js';

/** What code or a command produced, shaped for the model within `maxChars`. */
export function finishedOutput(result: ShapeableResult, maxChars: number): FinishedOutput {
  const shaped = shapeOutput(result, { maxChars });
  const output: FinishedOutput = {
    status: 'done',
    text: shaped.text,
    images: shaped.images.map((image) => ({ data: image.data, mediaType: image.mimeType })),
    truncated: shaped.truncated,
  };
  if ('logs' in result && result.error) output.error = { name: result.error.name, value: result.error.value };
  if ('exitCode' in result) output.exitCode = result.exitCode;
  return output;
}

/**
 * The output so far of code that ran out of time, as an execution ending in a `TimeoutError`:
 * the model learns what it printed and that it was interrupted, and can try again differently.
 */
export function timedOut(stdout: readonly string[], stderr: readonly string[], error: Error): ShapeableResult {
  return { logs: { stdout, stderr }, error: { name: 'TimeoutError', value: error.message, traceback: '' } };
}

/** A time limit's expiry (not the caller's abort, which is rethrown as it is). */
export function isTimeout(err: unknown, signal: AbortSignal): err is Error {
  return !signal.aborted && err instanceof Error && err.name === 'TimeoutError';
}
