import type { ErrorBody } from '@codebox/protocol';
import {
  BackendUnavailableError,
  InsufficientStorageError,
  InvalidRequestError,
  NetworkUpdateConflictError,
  QuotaExceededError,
  SandboxNotFoundError,
  TemplateNotFoundError,
} from '../sandboxes/errors.js';
import { SecretNameTakenError, SecretNotFoundError } from '../secrets/errors.js';
import { AuthenticationError, NotSupportedError } from './errors.js';
import {
  VolumeInUseError,
  VolumeNameTakenError,
  VolumeNotFoundError,
  VolumePathExistsError,
  VolumePathNotFoundError,
  VolumesUnavailableError,
  VolumeTokenError,
} from '../volumes/errors.js';

export interface ErrorResponse {
  status: 400 | 401 | 404 | 409 | 429 | 500 | 501 | 503 | 507;
  body: ErrorBody;
}

/** The one place errors become HTTP statuses, with E2B's `{code, message}` body. */
export function toErrorResponse(error: unknown): ErrorResponse {
  const status = statusFor(error);
  const message =
    status === 500
      ? `The runner failed to handle the request: ${error instanceof Error ? error.message : String(error)}. See the runner log for details.`
      : (error as Error).message;
  return { status, body: { code: status, message } };
}

function statusFor(error: unknown): ErrorResponse['status'] {
  if (error instanceof InvalidRequestError) return 400;
  if (error instanceof AuthenticationError || error instanceof VolumeTokenError) return 401;
  if (error instanceof SandboxNotFoundError || error instanceof TemplateNotFoundError || error instanceof SecretNotFoundError) return 404;
  if (error instanceof NetworkUpdateConflictError) return 409;
  if (error instanceof VolumeNotFoundError || error instanceof VolumePathNotFoundError) return 404;
  if (error instanceof VolumeNameTakenError || error instanceof VolumeInUseError || error instanceof VolumePathExistsError) return 409;
  if (error instanceof VolumesUnavailableError) return 501;
  if (error instanceof SecretNameTakenError) return 409;
  if (error instanceof QuotaExceededError) return 429;
  if (error instanceof NotSupportedError) return 501;
  if (error instanceof BackendUnavailableError) return 503;
  if (error instanceof InsufficientStorageError) return 507;
  return 500;
}
