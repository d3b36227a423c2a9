import { CODE_LANGUAGES, type CodeLanguage, type ResultLike } from '@codebox/core-client';
import { tool, type Tool } from 'ai';
import { z } from 'zod';
import { finishedOutput, isTimeout, timedOut } from './finished-output.js';
import { toModelOutput } from './model-output.js';
import { resolveSessionId } from './session-id.js';
import { streamProgress } from './stream-progress.js';
import { DEFAULT_PROGRESS_INTERVAL_MS, outputBudget, type CodeboxToolOpts } from './tool-options.js';
import type { CodeboxToolOutput } from './tool-output.js';
import type { ToolSandbox } from './tool-sandbox.js';

export interface RunCodeInput {
  code: string;
  language?: CodeLanguage | undefined;
}

export interface RunCodeToolOpts<S extends ToolSandbox = ToolSandbox> extends CodeboxToolOpts<S> {
  /** Language of calls that name none. @default 'python' */
  defaultLanguage?: CodeLanguage;
  /** What the model is told the tool does. */
  description?: string;
}

export const RUN_CODE_DESCRIPTION =
  'Run code in a sandboxed Jupyter-style kernel (Python by default; also javascript, typescript, r, java, bash). ' +
  'Variables, imports and files persist between calls. Returns stdout, stderr, the value of the last expression, ' +
  'and charts (e.g. matplotlib figures) as images. The sandbox has internet access; install packages with pip/npm.';

/**
 * An AI SDK tool that runs code in the session's sandbox with `runCode`. While the code runs it
 * streams preliminary results (`{ status: 'running', stdout, stderr }`); its final result is
 * the shaped output, which `toModelOutput` hands to the model with images as `image-data`
 * parts. Aborting the call (`abortSignal`) interrupts the code; a time-out is a result.
 */
export function runCodeTool<S extends ToolSandbox>(opts: RunCodeToolOpts<S>): Tool<RunCodeInput, CodeboxToolOutput> {
  const maxChars = outputBudget(opts);
  const defaultLanguage = opts.defaultLanguage ?? 'python';
  return tool({
    description: opts.description ?? RUN_CODE_DESCRIPTION,
    inputSchema: z.object({
      code: z.string().describe('The code to run.'),
      language: z.enum(CODE_LANGUAGES).optional().describe(`Language of the code; ${defaultLanguage} when omitted.`),
    }),
    toModelOutput,
    async *execute(input, call) {
      const sessionId = resolveSessionId(call, opts.sessionId);
      const stdout: string[] = [];
      const stderr: string[] = [];
      const results: ResultLike[] = [];
      const execution = yield* streamProgress(
        (sink, signal) =>
          opts.sessions.withSession(sessionId, async (sandbox) => {
            signal.throwIfAborted();
            try {
              return await sandbox.runCode(input.code, {
                language: input.language ?? defaultLanguage,
                signal,
                ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
                onStdout: (message) => {
                  stdout.push(message.line);
                  sink.stdout(message.line);
                },
                onStderr: (message) => {
                  stderr.push(message.line);
                  sink.stderr(message.line);
                },
                onResult: (result) => void results.push(result),
              });
            } catch (err) {
              if (isTimeout(err, signal)) return { ...timedOut(stdout, stderr, err), results };
              throw err;
            }
          }),
        { maxChars, intervalMs: opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS, signal: call.abortSignal },
      );
      yield finishedOutput(execution, maxChars);
    },
  });
}
