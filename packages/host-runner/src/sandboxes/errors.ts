/**
 * Failures of the sandbox lifecycle. Each class has a stable `name` callers can switch on;
 * `api/error-response.ts` is the one place that maps them to HTTP status codes.
 */

export class SandboxNotFoundError extends Error {
  override readonly name = 'SandboxNotFoundError';
  constructor(readonly sandboxId: string) {
    super(`Sandbox "${sandboxId}" was not found: it was killed, it expired, or it belongs to another API key. List your sandboxes with GET /v2/sandboxes.`);
  }
}

export class TemplateNotFoundError extends Error {
  override readonly name = 'TemplateNotFoundError';
  constructor(readonly templateId: string, readonly available: readonly string[]) {
    const known = available.length > 0 ? available.map((name) => `"${name}"`).join(', ') : 'none (build one with `codebox template build`)';
    super(`Template "${templateId}" does not exist. Available templates: ${known}.`);
  }
}

/** A request that is well-formed JSON but asks for something the runner will not do. */
export class InvalidRequestError extends Error {
  override readonly name: string = 'InvalidRequestError';
}

export class QuotaExceededError extends Error {
  override readonly name = 'QuotaExceededError';
  constructor(readonly scope: 'tenant' | 'runner', readonly limit: number) {
    super(
      scope === 'tenant'
        ? `This API key already has ${limit} running sandboxes, the most it may have. Kill one (DELETE /sandboxes/{id}) and retry.`
        : `The runner already runs ${limit} sandboxes, the most it allows. Retry later or ask the operator to raise the limit.`,
    );
  }
}

/**
 * Something the runner depends on (the container engine) cannot be reached right now. Requests
 * that need it fail at once (HTTP 503) instead of hanging; live sandboxes keep being served.
 */
export class BackendUnavailableError extends Error {
  override readonly name: string = 'BackendUnavailableError';
}

/** The runner's own storage has no room for another sandbox (HTTP 507). Nothing half-made is left. */
export class InsufficientStorageError extends Error {
  override readonly name: string = 'InsufficientStorageError';
}

/**
 * `PUT /sandboxes/{id}/network` on a sandbox created with `allow_internet_access: false` (HTTP
 * 409): it has no network device at all, so there is no policy to open.
 */
export class NetworkUpdateConflictError extends Error {
  override readonly name = 'NetworkUpdateConflictError';
  constructor(readonly sandboxId: string) {
    super(
      `Sandbox "${sandboxId}" was created with allow_internet_access: false, so it has no network device (only loopback) and its network cannot be changed. ` +
        'To start without egress and open it later, create the sandbox with network: { denyOut: ["0.0.0.0/0"] } instead.',
    );
  }
}
