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

/** The session of calls that name none: one sandbox shared by every call of these tools. */
export const DEFAULT_SESSION_ID = 'default';

/**
 * The session of one tool call, first found of: the call's context `sessionId` (ai@7's
 * `toolsContext: { run_code: { sessionId } }`, ai@6's `experimental_context: { sessionId }`),
 * then the tools' `sessionId` option (a string, or a function of the call), then
 * {@link DEFAULT_SESSION_ID}.
 */
export function resolveSessionId(call: ToolCallInfo, option: SessionIdOption | undefined): string {
  const fromContext = sessionIdIn(call.context) ?? sessionIdIn(call.experimental_context);
  if (fromContext !== undefined) return fromContext;
  const fromOption = typeof option === 'function' ? option(call) : option;
  return fromOption ?? DEFAULT_SESSION_ID;
}

function sessionIdIn(context: unknown): string | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const id = (context as { sessionId?: unknown }).sessionId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
