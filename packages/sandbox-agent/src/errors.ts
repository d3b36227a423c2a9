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
