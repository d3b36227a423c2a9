/**
 * Cancellation for a streaming call: `requestTimeoutMs` bounds only the handshake (until the
 * first event), the caller's signal bounds the whole stream, and `cleanup` ends it.
 */
export interface StreamController {
  signal: AbortSignal;
  /** Call once the stream has started: the request timeout no longer applies. */
  clearStartTimeout(): void;
  /** Abort the stream and drop listeners; safe to call more than once. */
  cleanup(): void;
}

export function createStreamController(requestTimeoutMs: number, userSignal?: AbortSignal): StreamController {
  const controller = new AbortController();
  const onUserAbort = () => controller.abort(userSignal?.reason);
  if (userSignal?.aborted) controller.abort(userSignal.reason);
  else userSignal?.addEventListener('abort', onUserAbort, { once: true });

  let startTimer: NodeJS.Timeout | undefined = requestTimeoutMs
    ? setTimeout(
        () =>
          controller.abort(new DOMException(`Request handshake timed out after ${requestTimeoutMs} ms`, 'TimeoutError')),
        requestTimeoutMs,
      )
    : undefined;
  const clearStartTimeout = () => {
    if (startTimer) clearTimeout(startTimer);
    startTimer = undefined;
  };
  let cleaned = false;
  return {
    signal: controller.signal,
    clearStartTimeout,
    cleanup: () => {
      if (cleaned) return;
      cleaned = true;
      userSignal?.removeEventListener('abort', onUserAbort);
      clearStartTimeout();
      controller.abort();
    },
  };
}
