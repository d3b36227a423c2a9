import { DEFAULT_OUTPUT_MAX_CHARS, shapeOutput, type SandboxSessions } from '@codebox/core-client';
import type { SessionIdOption } from './session-id.js';
import type { ToolSandbox } from './tool-sandbox.js';

/** Options every Codebox tool takes. */
export interface CodeboxToolOpts<S extends ToolSandbox = ToolSandbox> {
  /** Where the sandboxes come from: one per session, made on first use, killed when idle or closed. */
  sessions: SandboxSessions<S>;
  /**
   * The session of calls whose context names none (see `resolveSessionId`): a fixed id (a
   * user, a conversation) or a function of the call.
   * @default 'default' — every call shares one sandbox
   */
  sessionId?: SessionIdOption;
  /**
   * Time limit of one execution or command, in milliseconds; on expiry the code is
   * interrupted and the model gets the output so far and a `TimeoutError`.
   * @default the sandbox's (60 s)
   */
  timeoutMs?: number;
  /**
   * Budget of the text the model gets per call (and of each stream in a progress snapshot).
   * @default 4000 (`DEFAULT_OUTPUT_MAX_CHARS`)
   */
  maxOutputChars?: number;
  /**
   * Least time between two preliminary results while code runs.
   * @default 100
   */
  progressIntervalMs?: number;
}

export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

/**
 * The output budget of the tools, checked when they are made by the rule `shapeOutput`
 * applies (it throws `InvalidArgumentError` for a budget too small), so a bad option fails at
 * once rather than after the first execution.
 */
export function outputBudget(opts: Pick<CodeboxToolOpts, 'maxOutputChars'>): number {
  const maxChars = opts.maxOutputChars ?? DEFAULT_OUTPUT_MAX_CHARS;
  shapeOutput({ stdout: '', stderr: '', exitCode: 0 }, { maxChars });
  return maxChars;
}
