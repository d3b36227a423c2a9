import { ApiResponseError, toApiError } from './api-client.js';

/**
 * The error a resource API (`/volumes`, `/secrets`) call throws, as `e2b` does: a 404 becomes the
 * call's own not-found error; authentication and timeouts keep their classes; every other API
 * failure (409 name taken, 400, 501) becomes the resource's base error carrying the status.
 */
export function toResourceError(
  err: unknown,
  resourceError: (message: string, options: ErrorOptions) => Error & { statusCode?: number },
  onNotFound?: () => Error,
): unknown {
  if (err instanceof ApiResponseError && err.status === 404 && onNotFound) return onNotFound();
  const mapped = toApiError(err);
  if (mapped instanceof ApiResponseError || !(mapped instanceof Error) || mapped.name === 'AuthenticationError' || mapped.name === 'TimeoutError') return mapped;
  const error = resourceError(mapped.message, { cause: err });
  if (err instanceof ApiResponseError) error.statusCode = err.status;
  return error;
}
