import { resolveSessionId } from '@codebox/core-client';
import type { ToolRuntimeLike } from './tool-runtime.js';

/**
 * Which session (and so which sandbox) a tool call uses: a fixed id, or a function of the
 * call's runtime (its config, and inside an agent its state and context).
 */
export type SessionIdOption = string | ((runtime: ToolRuntimeLike) => string | undefined);

const HINT =
  "invoke the agent with { configurable: { thread_id: '<conversation id>' } }, " +
  'or pass sessionId (a string or a function of the tool runtime) to createCodeboxTools';

/** The conversation's thread (`configurable.thread_id`), as LangGraph checkpointers key it. */
export function threadIdOf(runtime: ToolRuntimeLike): string | undefined {
  const threadId: unknown = runtime.configurable?.thread_id;
  return typeof threadId === 'string' || typeof threadId === 'number' ? String(threadId) : undefined;
}

/**
 * The session id of a tool call, by core-client's one rule: the `sessionId` option, else the
 * run's thread id.
 * @throws MissingSessionIdError when there is none.
 */
export function sessionIdOf(runtime: ToolRuntimeLike, option: SessionIdOption | undefined, toolName: string): string {
  return resolveSessionId(runtime, option, threadIdOf(runtime), { name: toolName, hint: HINT });
}
