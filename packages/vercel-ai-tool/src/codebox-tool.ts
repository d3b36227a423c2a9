import {
  codeboxToolRunner,
  outputBudget,
  toolDescriptions,
  toolSchemas,
  type AgentSandbox,
  type CodeboxToolArgs,
  type CodeboxToolName,
  type CodeboxToolSettings,
  type SandboxSessions,
  type ToolOutput,
} from '@codebox/core-client';
import { tool, type FlexibleSchema, type Tool } from 'ai';
import { toModelOutput } from './model-output.js';
import { sessionIdOf, type SessionIdOption } from './session-id.js';
import { streamProgress } from './stream-progress.js';
import type { CodeboxToolOutput, FinishedOutput } from './tool-output.js';

/** Options of the Codebox tools ({@link codeboxTools}, or one of them with {@link codeboxTool}). */
export interface CodeboxToolSetOpts<S extends AgentSandbox = AgentSandbox> extends CodeboxToolSettings {
  /** Where the sandboxes come from: one per session, made on first use, killed when idle or closed. */
  sessions: SandboxSessions<S>;
  /**
   * The session of a call: a fixed id (a user, a conversation) or a function of the call.
   * @default the call context's `sessionId` (see `sessionIdOf`); without one the call fails with `MissingSessionIdError`
   */
  sessionId?: SessionIdOption;
  /**
   * Least time between two preliminary results while code or a command runs.
   * @default 100
   */
  progressIntervalMs?: number;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/** What the model passes to each tool, as the AI SDK types it. */
export type CodeboxToolInput<N extends CodeboxToolName> = CodeboxToolArgs[N];

/**
 * One Codebox tool as an AI SDK `tool()` with the shared name, description and zod schema;
 * the behaviour is core-client's (`runCodeboxTool`). While code or a command runs the tool
 * streams preliminary results (`{ status: 'running', stdout, stderr }`, each stream within
 * `maxOutputChars`); its final result is the shaped output, which `toModelOutput` hands to the
 * model with images as image parts. Aborting the call (`abortSignal`) stops the code or kills
 * the command.
 */
export function codeboxTool<N extends CodeboxToolName, S extends AgentSandbox>(
  name: N,
  opts: CodeboxToolSetOpts<S>,
): Tool<CodeboxToolInput<N>, CodeboxToolOutput> {
  const run = codeboxToolRunner(opts);
  const maxOutputChars = outputBudget(opts.maxOutputChars);
  // The schema of a generic `name` is a union of the four; the input type is the named tool's.
  const inputSchema = toolSchemas(opts)[name] as unknown as FlexibleSchema<CodeboxToolInput<N>>;
  return tool({
    description: toolDescriptions(opts)[name],
    inputSchema,
    toModelOutput,
    async *execute(input, call) {
      const sessionId = sessionIdOf(call, opts.sessionId, name);
      const { output } = yield* streamProgress(
        (sink, signal) =>
          opts.sessions.withSession(sessionId, (sandbox) =>
            run(sandbox, name, input, { signal, onStdout: (text) => sink.stdout(text), onStderr: (text) => sink.stderr(text) }),
          ),
        { maxChars: maxOutputChars, intervalMs: opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS, signal: call.abortSignal },
      );
      yield finishedOutput(output);
    },
  });
}

/** Core-client's output as the final tool result (images as the AI SDK's `mediaType` parts). */
function finishedOutput(output: ToolOutput): FinishedOutput {
  const { images, ...rest } = output;
  return { status: 'done', ...rest, images: images.map((image) => ({ data: image.data, mediaType: image.mimeType })) };
}
