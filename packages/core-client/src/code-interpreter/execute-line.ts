import { errorLineSchema, numberOfExecutionsLineSchema, resultLineSchema, stderrLineSchema, stdoutLineSchema } from '@codebox/protocol';
import { SandboxError } from '../errors.js';
import { executionErrorOf } from './kernel-errors.js';
import { Execution, ExecutionError, type OutputMessage } from './execution.js';
import { Result } from './result.js';

/**
 * Built once: zod builds a schema object on every `.passthrough()`, and doing that per line cost
 * ~130 µs of each `runCode("1+1")` answer; parsing with a schema built once costs ~1 µs.
 */
const resultLineLooseSchema = resultLineSchema.passthrough();

/** Callbacks of `runCode()`, called in output order as lines arrive (and awaited). */
export interface ExecutionCallbacks {
  onStdout?: (output: OutputMessage) => Promise<unknown> | unknown;
  onStderr?: (output: OutputMessage) => Promise<unknown> | unknown;
  onResult?: (result: Result) => Promise<unknown> | unknown;
  onError?: (error: ExecutionError) => Promise<unknown> | unknown;
}

/**
 * Folds one `/execute` line into `execution` and calls the matching callback. Unknown line
 * types (and `keepalive`, `end_of_execution`) are ignored, as the official SDKs do, so the
 * server can add types.
 */
export async function applyExecuteLine(execution: Execution, text: string, callbacks: ExecutionCallbacks): Promise<void> {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    throw new SandboxError(`the code interpreter sent a line that is not JSON: ${text.slice(0, 200)}`);
  }
  const type = (line as { type?: unknown } | null)?.type;
  switch (type) {
    case 'stdout':
    case 'stderr': {
      const output = (type === 'stdout' ? stdoutLineSchema : stderrLineSchema).parse(line);
      const message: OutputMessage = { line: output.text, timestamp: microseconds(output.timestamp), error: type === 'stderr' };
      execution.logs[type].push(output.text);
      await (type === 'stdout' ? callbacks.onStdout : callbacks.onStderr)?.(message);
      break;
    }
    case 'result': {
      const { type: _type, is_main_result: isMainResult, ...data } = resultLineLooseSchema.parse(line);
      const result = new Result(data, isMainResult);
      execution.results.push(result);
      await callbacks.onResult?.(result);
      break;
    }
    case 'error': {
      const { name, value, traceback } = errorLineSchema.parse(line);
      execution.error = executionErrorOf(name, value, traceback);
      await callbacks.onError?.(execution.error);
      break;
    }
    case 'number_of_executions':
      execution.executionCount = numberOfExecutionsLineSchema.parse(line).execution_count;
      break;
    default:
      break;
  }
}

/** The server's ISO timestamp in microseconds (as the SDK reports it), else now. */
function microseconds(timestamp: string | undefined): number {
  const ms = timestamp ? Date.parse(timestamp) : Number.NaN;
  return (Number.isNaN(ms) ? Date.now() : ms) * 1000;
}
