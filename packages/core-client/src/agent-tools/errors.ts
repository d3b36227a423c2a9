import { InvalidArgumentError, SandboxError } from '../errors.js';

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

/**
 * An agent tool was called without a session id, so it could not tell whose sandbox to use.
 * Raised before any sandbox is touched. The tools never fall back to a shared sandbox: on a
 * server, that would let one user's code see another user's files.
 */
export class MissingSessionIdError extends SandboxError {
  constructor(
    /** The tool that was called (`run_code`, ...). */
    readonly toolName: string,
    /** How this framework's tools are given a session id. */
    readonly hint: string,
  ) {
    super(
      `The Codebox tool "${toolName}" needs a session id to pick its sandbox (one sandbox per conversation or user), ` +
        `and the call has none: ${hint}. The tools never share one sandbox between callers by default.`,
    );
    this.name = 'MissingSessionIdError';
  }
}

/** A language no kernel runs, or none at all, was configured for the `run_code` tool. */
export class UnsupportedLanguageError extends InvalidArgumentError {
  constructor(
    readonly language: string,
    readonly supported: readonly string[],
  ) {
    super(`Language "${language}" cannot be offered to the model: use some of ${supported.join(', ')}.`);
    this.name = 'UnsupportedLanguageError';
  }
}
