import {
  AuthenticationError,
  InvalidArgumentError,
  NotFoundError,
  RateLimitError,
  SandboxError,
} from '../errors.js';

/**
 * The error for a failed control-plane response, mapped as `e2b` maps it. Calls that know what
 * was not found (a sandbox) pass `onNotFound` so a 404 becomes the specific class.
 */
export function apiError(
  status: number,
  message: string,
  onNotFound: (message: string) => SandboxError = (m) => new NotFoundError(m),
): Error {
  switch (status) {
    case 400:
      return withStatus(new InvalidArgumentError(`400: ${message}`), status);
    case 401:
      return new AuthenticationError(
        `Unauthorized, please check your credentials (CODEBOX_API_KEY or E2B_API_KEY) - ${message}`,
      );
    case 404:
      return withStatus(onNotFound(message), status);
    case 429:
      return withStatus(new RateLimitError(`Rate limit exceeded, please try again later - ${message}`), status);
    default:
      return withStatus(new SandboxError(`${status}: ${message}`), status);
  }
}

function withStatus<E extends SandboxError>(err: E, status: number): E {
  err.statusCode = status;
  return err;
}
