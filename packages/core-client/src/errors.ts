import type { CommandResult } from './commands/command-result.js';

/**
 * The error classes of the `e2b` SDK, with the same names and inheritance, so code that
 * catches `e2b`'s errors keeps working after changing the import.
 *
 * `AuthenticationError` is deliberately not a `SandboxError` (as in the SDK).
 */

/** Base class for all sandbox errors. */
export class SandboxError extends Error {
  /** HTTP status of the response that produced this error, when there was one. */
  statusCode?: number;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

/**
 * A time limit was hit: the sandbox's lifetime (`unavailable`), `requestTimeoutMs`
 * (`canceled`), or a long request's `timeoutMs` (`deadline_exceeded`).
 */
export class TimeoutError extends SandboxError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TimeoutError';
  }
}

/** An argument was rejected by the client or the sandbox. */
export class InvalidArgumentError extends SandboxError {
  constructor(message: string, stackTrace?: string) {
    super(message);
    this.name = 'InvalidArgumentError';
    if (stackTrace) this.stack = stackTrace;
  }
}

/** The sandbox's disk is full. */
export class NotEnoughSpaceError extends SandboxError {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughSpaceError';
  }
}

/**
 * A resource was not found. Prefer catching {@link FileNotFoundError} or
 * {@link SandboxNotFoundError}; this is their common parent.
 */
export class NotFoundError extends SandboxError {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** A file or directory inside the sandbox does not exist. */
export class FileNotFoundError extends NotFoundError {
  constructor(message: string) {
    super(message);
    this.name = 'FileNotFoundError';
  }
}

/** The sandbox does not exist (never did, was killed, or reached its end of life). */
export class SandboxNotFoundError extends NotFoundError {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxNotFoundError';
  }
}

/** The template cannot serve this client (e.g. its agent is too old for a feature). */
export class TemplateError extends SandboxError {
  constructor(message: string, stackTrace?: string) {
    super(message);
    this.name = 'TemplateError';
    if (stackTrace) this.stack = stackTrace;
  }
}

/** The server refused the request because of a rate or quota limit. */
export class RateLimitError extends SandboxError {
  constructor(message: string) {
    super(message);
    this.name = 'RateLimitError';
  }
}

/** The API key is missing or was rejected, or a sandbox user is unknown. */
export class AuthenticationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** Thrown by `commands.run()` and `CommandHandle.wait()` when a command exits non-zero. */
export class CommandExitError extends SandboxError implements CommandResult {
  private readonly result: CommandResult;

  constructor(result: CommandResult) {
    super(result.error ?? `Command exited with code ${result.exitCode}`);
    this.result = result;
    this.name = 'CommandExitError';
  }

  get exitCode(): number {
    return this.result.exitCode;
  }

  get error(): string | undefined {
    return this.result.error;
  }

  get stdout(): string {
    return this.result.stdout;
  }

  get stderr(): string {
    return this.result.stderr;
  }
}

/** Base class of volume errors (as `e2b`'s, not a `SandboxError`). */
export class VolumeError extends Error {
  /** HTTP status of the response that produced this error, when there was one. */
  statusCode?: number;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VolumeError';
  }
}

/** The volume does not exist (or belongs to another API key). */
export class VolumeNotFoundError extends VolumeError {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VolumeNotFoundError';
  }
}

/** Nothing at this path inside the volume. */
export class VolumePathNotFoundError extends VolumeError {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VolumePathNotFoundError';
  }
}

/** Base class of secret errors (as `e2b`'s, not a `SandboxError`). */
export class SecretError extends Error {
  /** HTTP status of the response that produced this error, when there was one. */
  statusCode?: number;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretError';
  }
}

/** No secret with this id or name (for this API key). */
export class SecretNotFoundError extends SecretError {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SecretNotFoundError';
  }
}
