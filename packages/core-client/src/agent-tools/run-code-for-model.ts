import type { CodeLanguage } from '@codebox/protocol';
import type { AgentSandbox } from './agent-sandbox.js';
import type { ExecutionLike } from './shapeable-result.js';
import { isTimeout, outputBudget, timedOutExecution, toolOutput, type ForModelOpts, type Printed, type ToolRun } from './tool-output.js';

/**
 * Runs code in the sandbox's stateful kernels (`runCode`) for a model — the one rule of every
 * framework package:
 * - the code's own error (an exception) is a result the model reads, not a failure;
 * - on the time limit the model gets the output so far and a `TimeoutError`, and the kernel
 *   keeps its state;
 * - the caller's abort interrupts the code and rejects with the signal's reason;
 * - any other failure (sandbox gone, runner unreachable) rejects.
 */
export async function runCodeForModel(
  sandbox: Pick<AgentSandbox, 'runCode'>,
  code: string,
  language: CodeLanguage,
  opts: ForModelOpts = {},
): Promise<ToolRun<ExecutionLike>> {
  const maxChars = outputBudget(opts.maxOutputChars);
  const { signal } = opts;
  // runCode's Execution is lost when it throws: what was printed before a timeout is kept here.
  const printed: Required<Printed> = { stdout: [], stderr: [], results: [] };
  let execution: ExecutionLike;
  try {
    execution = await sandbox.runCode(code, {
      language,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(signal ? { signal } : {}),
      onStdout: (message) => {
        printed.stdout.push(message.line);
        return opts.onStdout?.(message.line);
      },
      onStderr: (message) => {
        printed.stderr.push(message.line);
        return opts.onStderr?.(message.line);
      },
      onResult: (result) => void printed.results.push(result),
    });
  } catch (err) {
    if (!isTimeout(err, signal)) throw err;
    execution = timedOutExecution(printed, err);
  }
  return { result: execution, output: toolOutput(execution, maxChars) };
}
