import { Code, ConnectError } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { AgentError } from '../errors.js';

/**
 * Gives every Connect handler one error exit: agent errors keep their code and message,
 * anything else becomes `internal` (logged) without leaking internals to the caller.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof AgentError) return new ConnectError(error.message, error.code);
  return new ConnectError('internal agent error; see the agent log', Code.Internal);
}

/** Wraps a handler body so whatever it throws leaves as a ConnectError; internals are logged. */
export function connectGuard(logger: Logger, service: string): <T>(fn: () => T) => T {
  return (fn) => {
    try {
      return fn();
    } catch (error) {
      const connectError = toConnectError(error);
      if (connectError.code === Code.Internal) logger.error({ err: error, service }, 'request failed');
      throw connectError;
    }
  };
}
