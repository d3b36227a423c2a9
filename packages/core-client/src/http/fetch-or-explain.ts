import { SandboxError, TimeoutError } from '../errors.js';

export interface FetchContext {
  /** What is being called, for the message (e.g. "the Codebox API at http://…"). */
  what: string;
  /** What the caller can do when the server cannot be reached. */
  hint: string;
  /** The request timeout in force, for the message when it fires. */
  timeoutMs: number;
}

/**
 * `fetch`, with transport failures turned into errors that say what was called and what to do:
 * a request timeout becomes `TimeoutError`, an unreachable server a `SandboxError`. A caller's
 * own abort is passed through unchanged, as `e2b` does.
 */
export async function fetchOrExplain(url: URL | string, init: RequestInit, ctx: FetchContext): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'TimeoutError') {
      throw new TimeoutError(
        `Request to ${ctx.what} timed out after ${ctx.timeoutMs} ms: This error is likely due to exceeding ` +
          `'requestTimeoutMs'. You can pass the request timeout value as an option when making the request.`,
        { cause: err },
      );
    }
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new SandboxError(`Cannot reach ${ctx.what} (${cause}). ${ctx.hint}`, { cause: err });
  }
}
