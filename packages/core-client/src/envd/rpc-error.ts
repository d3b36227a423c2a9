import { Code, ConnectError } from '@connectrpc/connect';
import {
  AuthenticationError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError,
  TimeoutError,
} from '../errors.js';

export type RpcErrorOverrides = Partial<Record<Code, (message: string) => Error>>;

export function sandboxTimeoutError(message: string): TimeoutError {
  return new TimeoutError(
    `${message}: This error is likely due to sandbox timeout. You can modify the sandbox timeout by passing ` +
      `'timeoutMs' when starting the sandbox or calling '.setTimeout' on the sandbox with the desired timeout.`,
  );
}

/** Connect codes mapped to the SDK's error classes (the table `e2b` uses). */
const DEFAULT_MAP: RpcErrorOverrides = {
  [Code.InvalidArgument]: (m) => new InvalidArgumentError(m),
  [Code.Unauthenticated]: (m) => new AuthenticationError(m),
  [Code.NotFound]: (m) => new NotFoundError(m),
  [Code.ResourceExhausted]: (m) => new RateLimitError(`${m}: Rate limit exceeded, please try again later.`),
  [Code.Unavailable]: sandboxTimeoutError,
  [Code.Canceled]: (m) =>
    new TimeoutError(
      `${m}: This error is likely due to exceeding 'requestTimeoutMs'. You can pass the request timeout value as an option when making the request.`,
    ),
  [Code.DeadlineExceeded]: (m) =>
    new TimeoutError(
      `${m}: This error is likely due to exceeding 'timeoutMs' — the total time a long running request (like command execution or directory watch) can be active. It can be modified by passing 'timeoutMs' when making the request. Use '0' to disable the timeout.`,
    ),
};

/** Maps a `ConnectError` to the SDK's classes; anything else is returned unchanged. */
export function rpcError(err: unknown, overrides: RpcErrorOverrides = {}): unknown {
  if (!(err instanceof ConnectError)) return err;
  const make = overrides[err.code] ?? DEFAULT_MAP[err.code];
  if (make) return make(err.rawMessage);
  return new SandboxError(`${Code[err.code]}: ${err.rawMessage}`, { cause: err });
}
