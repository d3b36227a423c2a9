import { MissingSessionIdError } from './errors.js';
import type { ToolRuntimeLike } from './tool-runtime.js';

/**
 * Which session (and so which sandbox) a tool call uses: a fixed id, or a function of the
 * call's runtime (its config, and inside an agent its state and context).
 */
export type SessionIdOption = string | ((runtime: ToolRuntimeLike) => string | undefined);

/** The conversation's thread (`configurable.thread_id`), as LangGraph checkpointers key it. */
export function threadIdOf(runtime: ToolRuntimeLike): string | undefined {
  const threadId: unknown = runtime.configurable?.thread_id;
  return typeof threadId === 'string' || typeof threadId === 'number' ? String(threadId) : undefined;
}

/**
 * The session id of a tool call: from `option` when given, else the run's thread id.
 * @throws MissingSessionIdError when there is none.
 */
export function resolveSessionId(runtime: ToolRuntimeLike, option: SessionIdOption | undefined, toolName: string): string {
  const sessionId = typeof option === 'string' ? option : (option ?? threadIdOf)(runtime);
  if (sessionId === undefined || sessionId === '') throw new MissingSessionIdError(toolName);
  return sessionId;
}
