import { SandboxError } from '../errors.js';

/**
 * A new session was asked for while `maxSessions` sandboxes were already live. Raised before
 * anything is created, so nothing needs cleaning up.
 */
export class SessionLimitError extends SandboxError {
  constructor(
    /** The limit that was hit (`maxSessions`). */
    readonly limit: number,
    /** The session id that was refused. */
    readonly sessionId: string,
  ) {
    super(
      `Cannot open sandbox session "${sessionId}": ${limit} sessions are already live, the limit of this SandboxSessions. ` +
        'End one with sessions.kill(id), let idle ones expire (idleTimeoutMs), or raise the limit with new SandboxSessions({ maxSessions }).',
    );
    this.name = 'SessionLimitError';
  }
}

/**
 * The session ended before the call could use it: it was killed (`sessions.kill(id)`) while its
 * sandbox was being created, or its `SandboxSessions` was closed (`close()`, disposal, process exit).
 */
export class SessionsClosedError extends SandboxError {
  constructor(readonly sessionId: string) {
    super(
      `Sandbox session "${sessionId}" has ended and its sandbox was killed: the session was killed (sessions.kill(id)) ` +
        'or its SandboxSessions was closed (close(), disposal or process exit). Ask again for a new sandbox, ' +
        'or create a new SandboxSessions if this one was closed.',
    );
    this.name = 'SessionsClosedError';
  }
}
