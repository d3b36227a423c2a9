import type { AgentSandbox } from './agent-sandbox.js';
import type { CommandResultLike, ExecutionLike } from './shapeable-result.js';
import { isTimeout, outputBudget, timedOutExecution, toolOutput, type ForModelOpts, type Printed, type ToolRun } from './tool-output.js';

/**
 * Runs a shell command (`bash -l -c`) in the sandbox for a model — the one rule of every
 * framework package:
 * - a non-zero exit is a result the model reads (output and exit code), not a failure; it is
 *   recognised by the error's name, `CommandExitError`, so a second copy of this package in
 *   the application's tree is recognised too;
 * - on the time limit the command is killed and the model gets the output so far and a
 *   `TimeoutError`;
 * - the caller's abort kills the command and rejects with the signal's reason;
 * - any other failure rejects, after killing the command.
 *
 * The command is started in the background to hold its handle: closing a command's stream
 * leaves the process running, so stopping it takes an explicit kill.
 */
export async function runCommandForModel(
  sandbox: Pick<AgentSandbox, 'commands'>,
  command: string,
  cwd: string | undefined,
  opts: ForModelOpts = {},
): Promise<ToolRun<CommandResultLike | ExecutionLike>> {
  const maxChars = outputBudget(opts.maxOutputChars);
  const { signal } = opts;
  signal?.throwIfAborted();
  const printed: Printed = { stdout: [], stderr: [] };
  const handle = await sandbox.commands.run(command, {
    background: true,
    ...(cwd === undefined || cwd === '' ? {} : { cwd }),
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    onStdout: async (text) => {
      printed.stdout.push(text);
      await opts.onStdout?.(text);
    },
    onStderr: async (text) => {
      printed.stderr.push(text);
      await opts.onStderr?.(text);
    },
  });
  const kill = (): void => {
    // Best effort: a process that already ended cannot be killed, and the caller has its answer.
    handle.kill().catch(() => false);
  };
  signal?.addEventListener('abort', kill, { once: true });
  if (signal?.aborted) kill();
  let result: CommandResultLike | ExecutionLike;
  try {
    result = await handle.wait();
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (isCommandExit(err)) {
      result = { exitCode: err.exitCode, stdout: err.stdout, stderr: err.stderr, ...(err.error === undefined ? {} : { error: err.error }) };
    } else {
      kill();
      if (!isTimeout(err, signal)) throw err;
      result = timedOutExecution(printed, err);
    }
  } finally {
    signal?.removeEventListener('abort', kill);
  }
  signal?.throwIfAborted();
  return { result, output: toolOutput(result, maxChars) };
}

/** `CommandExitError`, by name: it carries the whole result (its fields are getters, not own properties). */
function isCommandExit(err: unknown): err is Error & CommandResultLike {
  return err instanceof Error && err.name === 'CommandExitError';
}
