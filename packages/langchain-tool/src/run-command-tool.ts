import { CommandExitError, shapeOutput, type CommandHandle, type CommandResult } from '@codebox/core-client';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { outputEmitter } from './output-events.js';
import { resolveSessionId } from './session-id.js';
import type { CodeboxToolOpts } from './tool-opts.js';
import { toolCallIdOf } from './tool-runtime.js';

export const RUN_COMMAND_TOOL_NAME = 'run_command';

export interface RunCommandToolOpts extends Omit<CodeboxToolOpts, 'includeImages'> {
  /**
   * Time limit of one command in milliseconds; the command is killed when it passes.
   * @default 60_000 (the sandbox's)
   */
  timeoutMs?: number;
}

/**
 * A tool that runs a shell command (`bash -l -c`) in the session's sandbox. A non-zero exit is
 * an answer for the model (its output and exit code), not a tool error. Output is streamed
 * while the command runs as {@link CodeboxOutputEvent}s; the run's abort signal kills the
 * command. The tool message's artifact is the `CommandResult`.
 */
export function createRunCommandTool(opts: RunCommandToolOpts) {
  const schema = z.object({
    command: z.string().min(1).describe('The shell command to run with bash.'),
    cwd: z.string().optional().describe('Working directory; /home/user when omitted.'),
  });

  return tool(
    async ({ command, cwd }, runtime) => {
      const sessionId = resolveSessionId(runtime, opts.sessionId, RUN_COMMAND_TOOL_NAME);
      const emit = outputEmitter(runtime, { tool: RUN_COMMAND_TOOL_NAME, toolCallId: toolCallIdOf(runtime), sessionId });
      const signal = runtime.signal;
      const result = await opts.sessions.withSession(sessionId, async (sandbox) => {
        signal?.throwIfAborted();
        // Started in the background to hold a handle: closing a command's stream leaves the
        // process running, so stopping it on abort or timeout takes an explicit kill.
        const handle = await sandbox.commands.run(command, {
          background: true,
          ...(cwd === undefined ? {} : { cwd }),
          ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
          onStdout: (data) => emit('stdout', data),
          onStderr: (data) => emit('stderr', data),
        });
        return waitOrKill(handle, signal);
      });
      const shaped = shapeOutput(result, opts.maxOutputChars === undefined ? {} : { maxChars: opts.maxOutputChars });
      return [shaped.text, result];
    },
    {
      name: RUN_COMMAND_TOOL_NAME,
      description:
        'Runs a shell command with bash in a sandboxed Linux machine and returns its stdout, stderr and exit code. ' +
        'Use it to install packages, inspect files or run programs. The working directory is /home/user; files persist between calls. ' +
        'Long output is cut in the middle.',
      schema,
      responseFormat: 'content_and_artifact',
    },
  );
}

/** The command's result, exit code and all; the process is killed if the wait ends any other way. */
async function waitOrKill(handle: CommandHandle, signal: AbortSignal | undefined): Promise<CommandResult> {
  const kill = (): void => {
    // Best effort: a process that already ended cannot be killed, and the caller has its answer.
    handle.kill().catch(() => {});
  };
  signal?.addEventListener('abort', kill, { once: true });
  if (signal?.aborted) kill();
  try {
    return await handle.wait();
  } catch (err) {
    if (err instanceof CommandExitError) {
      return { exitCode: err.exitCode, stdout: err.stdout, stderr: err.stderr, ...(err.error === undefined ? {} : { error: err.error }) };
    }
    kill();
    throw err;
  } finally {
    signal?.removeEventListener('abort', kill);
  }
}
