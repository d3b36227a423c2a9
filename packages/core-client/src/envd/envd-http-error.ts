import { errorMessage } from '../http/error-message.js';
import {
  AuthenticationError,
  InvalidArgumentError,
  NotEnoughSpaceError,
  NotFoundError,
  RateLimitError,
  SandboxError,
} from '../errors.js';
import { sandboxTimeoutError } from './rpc-error.js';

export type HttpErrorOverrides = Partial<Record<number, (message: string) => Error>>;

const DEFAULT_MAP: HttpErrorOverrides = {
  400: (m) => new InvalidArgumentError(m),
  401: (m) => new AuthenticationError(m),
  404: (m) => new NotFoundError(m),
  429: (m) => new RateLimitError(`${m}: The requests are being rate limited.`),
  // The gateway answers 502 for a sandbox that is gone.
  502: sandboxTimeoutError,
  507: (m) => new NotEnoughSpaceError(m),
};

/** The error for a failed agent HTTP response (reads the body), or `undefined` when it succeeded. */
export async function envdHttpError(res: Response, overrides: HttpErrorOverrides = {}): Promise<Error | undefined> {
  if (res.ok) return undefined;
  const message = errorMessage(await res.text().catch(() => ''), res.statusText);
  const make = overrides[res.status] ?? DEFAULT_MAP[res.status];
  if (make) return make(message);
  const err = new SandboxError(`${res.status}: ${message}`);
  err.statusCode = res.status;
  return err;
}
