import type { CommandResultLike } from '@codebox/core-client';
import { tool, type Tool } from 'ai';
import { z } from 'zod';
import { finishedOutput, isTimeout, timedOut } from './finished-output.js';
import { toModelOutput } from './model-output.js';
import { resolveSessionId } from './session-id.js';
import { streamProgress } from './stream-progress.js';
import { DEFAULT_PROGRESS_INTERVAL_MS, outputBudget, type CodeboxToolOpts } from './tool-options.js';
import type { CodeboxToolOutput } from './tool-output.js';
import type { ToolSandbox } from './tool-sandbox.js';

export interface RunCommandInput {
  command: string;
  cwd?: string | undefined;
}

export const RUN_COMMAND_DESCRIPTION =
  'Run a shell command (bash) in the sandbox as the user `user` (home /home/user) and return its stdout, stderr ' +
  'and exit code. Use it to list or move files, install packages, or start programs. The sandbox is shared with run_code.';

/**
 * An AI SDK tool that runs a shell command in the session's sandbox, streaming preliminary
 * results while it runs. A non-zero exit is a result the model sees, not an error; aborting the
 * call kills the command.
 */
export function runCommandTool<S extends ToolSandbox>(opts: CodeboxToolOpts<S>): Tool<RunCommandInput, CodeboxToolOutput> {
  const maxChars = outputBudget(opts);
  return tool({
    description: RUN_COMMAND_DESCRIPTION,
    inputSchema: z.object({
      command: z.string().describe('The command line, run with bash -l -c.'),
      cwd: z.string().optional().describe('Working directory; /home/user when omitted.'),
    }),
    toModelOutput,
    async *execute(input, call) {
      const sessionId = resolveSessionId(call, opts.sessionId);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const result = yield* streamProgress(
        (sink, signal) =>
          opts.sessions.withSession(sessionId, async (sandbox) => {
            signal.throwIfAborted();
            const handle = await sandbox.commands.run(input.command, {
              background: true,
              ...(input.cwd ? { cwd: input.cwd } : {}),
              ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
              onStdout: (text) => {
                stdout.push(text);
                sink.stdout(text);
              },
              onStderr: (text) => {
                stderr.push(text);
                sink.stderr(text);
              },
            });
            // Closing the stream would leave the process running: an abort kills it.
            const kill = (): void => void handle.kill().catch(() => false);
            signal.addEventListener('abort', kill, { once: true });
            try {
              return await handle.wait();
            } catch (err) {
              if (signal.aborted) throw signal.reason;
              // `wait` throws CommandExitError for a non-zero exit; it carries the whole result.
              if (err instanceof Error && err.name === 'CommandExitError') return err as Error & CommandResultLike;
              if (isTimeout(err, signal)) {
                kill();
                return timedOut(stdout, stderr, err);
              }
              throw err;
            } finally {
              signal.removeEventListener('abort', kill);
            }
          }),
        { maxChars, intervalMs: opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS, signal: call.abortSignal },
      );
      yield finishedOutput(result, maxChars);
    },
  });
}
