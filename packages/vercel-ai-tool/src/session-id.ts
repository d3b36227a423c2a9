import { resolveSessionId } from '@codebox/core-client';

/**
 * What the tools read of a tool call's options (the AI SDK's `ToolExecutionOptions`, whose
 * shape differs between ai@6 and ai@7, hence this structural subset).
 */
export interface ToolCallInfo {
  toolCallId: string;
  abortSignal?: AbortSignal | undefined;
  /** ai@7: the tool's entry of `streamText({ toolsContext })`. */
  context?: unknown;
  /** ai@6: `streamText({ experimental_context })`. */
  experimental_context?: unknown;
}

/** The session a tool call runs in: one id, or one chosen per call. */
export type SessionIdOption = string | ((call: ToolCallInfo) => string | undefined);

const HINT =
  'pass sessionId to codeboxTools({ sessions, sessionId }) (a string, or a function of the call), ' +
  "or per call: streamText({ toolsContext: { <tool>: { sessionId } } }) with ai@7, experimental_context: { sessionId } with ai@6";

/**
 * The session of one tool call, by core-client's one rule: the tools' `sessionId` option (a
 * string, or a function of the call), else the call context's `sessionId` (ai@7's
 * `toolsContext: { run_code: { sessionId } }`, ai@6's `experimental_context: { sessionId }`).
 * @throws MissingSessionIdError when there is none.
 */
export function sessionIdOf(call: ToolCallInfo, option: SessionIdOption | undefined, toolName: string): string {
  return resolveSessionId(call, option, sessionIdIn(call.context) ?? sessionIdIn(call.experimental_context), { name: toolName, hint: HINT });
}

function sessionIdIn(context: unknown): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const id = (context as { sessionId?: unknown }).sessionId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
