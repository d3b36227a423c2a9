import { Code } from '@connectrpc/connect';

/**
 * Every failure the agent reports on purpose. Each class carries the Connect code it is
 * answered with on RPC; `httpStatusOf` maps the same code for the plain HTTP routes, so a
 * service throws once and both transports agree.
 */
export abstract class AgentError extends Error {
  abstract readonly code: Code;
}

export class InvalidArgumentError extends AgentError {
  override readonly name = 'InvalidArgumentError';
  readonly code = Code.InvalidArgument;
}

export class NotFoundError extends AgentError {
  override readonly name = 'NotFoundError';
  readonly code = Code.NotFound;
}

/**
 * A file operation named a FIFO, socket or device. Reading or writing those can block forever
 * or never end, so only regular files are read, written, uploaded or downloaded. A 400, as
 * envd answers other paths it cannot serve as a file (directories).
 */
export class NotARegularFileError extends AgentError {
  override readonly name = 'NotARegularFileError';
  readonly code = Code.InvalidArgument;
  constructor(path: string, kind: string) {
    super(`'${path}' is ${kind}, not a regular file; only regular files can be read, written, uploaded or downloaded`);
  }
}

export class AlreadyExistsError extends AgentError {
  override readonly name = 'AlreadyExistsError';
  readonly code = Code.AlreadyExists;
}

export class PermissionDeniedError extends AgentError {
  override readonly name = 'PermissionDeniedError';
  readonly code = Code.PermissionDenied;
}

export class UnauthenticatedError extends AgentError {
  override readonly name = 'UnauthenticatedError';
  readonly code = Code.Unauthenticated;
}

export class NotEnoughSpaceError extends AgentError {
  override readonly name = 'NotEnoughSpaceError';
  readonly code = Code.ResourceExhausted;
}

/**
 * A stream's client read too slowly and was cut so it no longer holds back the producer (and
 * other clients). Aborted: the operation itself is fine, this one stream is not.
 */
export class StreamTooSlowError extends AgentError {
  override readonly name = 'StreamTooSlowError';
  readonly code = Code.Aborted;
}

/** A sandbox already has as many terminals (PTY processes) as the agent allows at once. */
export class TooManyTerminalsError extends AgentError {
  override readonly name = 'TooManyTerminalsError';
  readonly code = Code.ResourceExhausted;
}

/** A terminal still holds too much input its program has not read; the agent does not queue more. */
export class TerminalInputFullError extends AgentError {
  override readonly name = 'TerminalInputFullError';
  readonly code = Code.ResourceExhausted;
}

export class UnimplementedError extends AgentError {
  override readonly name = 'UnimplementedError';
  readonly code = Code.Unimplemented;
}

export class FailedPreconditionError extends AgentError {
  override readonly name = 'FailedPreconditionError';
  readonly code = Code.FailedPrecondition;
}

const HTTP_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.FailedPrecondition]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  // envd answers a full disk on /files with 507, which the SDK turns into NotEnoughSpaceError.
  [Code.ResourceExhausted]: 507,
  [Code.Unimplemented]: 501,
};

export function httpStatusOf(code: Code): number {
  return HTTP_STATUS[code] ?? 500;
}

/** The agent cannot start as configured (bad flag, bad env var, socket path taken). */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}
