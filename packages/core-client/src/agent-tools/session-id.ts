import { MissingSessionIdError } from './errors.js';

/** Which session (and so which sandbox) a tool call uses: one id, or one chosen per call. */
export type SessionIdOption<Call> = string | ((call: Call) => string | undefined);

/**
 * The session of one tool call — the one rule of every framework package: the tools'
 * `sessionId` option when it yields an id (a string, or a function of the call), else the id
 * the call itself carries (LangChain's `configurable.thread_id`, the AI SDK's call context
 * `sessionId`), else {@link MissingSessionIdError}. There is no shared default sandbox.
 *
 * @param fromCall the id the framework's call carries, if any.
 * @param hint how this framework's callers pass a session id, for the error.
 */
export function resolveSessionId<Call>(
  call: Call,
  option: SessionIdOption<Call> | undefined,
  fromCall: string | undefined,
  tool: { name: string; hint: string },
): string {
  const chosen = typeof option === 'function' ? option(call) : option;
  if (chosen !== undefined && chosen !== '') return chosen;
  if (fromCall !== undefined && fromCall !== '') return fromCall;
  throw new MissingSessionIdError(tool.name, tool.hint);
}
