import { Sandbox, type SandboxOpts } from '../sandbox/sandbox.js';
import { InvalidArgumentError } from '../errors.js';
import { SessionLimitError, SessionsClosedError } from './errors.js';
import { closeOnExit } from './exit-cleanup.js';

/** What sessions need of a sandbox; `Sandbox` and its subclasses have it. */
export interface SessionSandbox {
  readonly sandboxId: string;
  kill(): Promise<unknown>;
  /** Used, when present, to keep the sandbox's own lifetime ahead of the idle timeout. */
  setTimeout?(timeoutMs: number): Promise<void>;
}

/** What makes sandboxes: `Sandbox` or a subclass (its static `create`), or a stand-in. */
export interface SandboxFactory<S extends SessionSandbox> {
  create(opts?: SandboxOpts): Promise<S>;
}

export interface SandboxSessionsOpts<S extends SessionSandbox> {
  /** @default Sandbox */
  sandboxClass?: SandboxFactory<S>;
  /** Template of every session's sandbox; the class's default when absent. */
  template?: string;
  /**
   * Options of every `create` (API key, metadata, envs, ...). `timeoutMs`, the sandbox's own
   * lifetime, defaults to `idleTimeoutMs` plus a minute and is extended while the session is used.
   */
  sandboxOpts?: Omit<SandboxOpts, 'template'>;
  /**
   * A session unused this long is ended and its sandbox killed; `0` keeps sessions until
   * `close()` (their sandboxes' lifetimes still apply).
   * @default 300_000
   */
  idleTimeoutMs?: number;
  /**
   * Most sessions live at once; one more throws {@link SessionLimitError}.
   * @default 10
   */
  maxSessions?: number;
  /** Prepares a new session's sandbox (upload files, install packages); if it throws, the sandbox is killed. */
  onCreate?: (sandbox: S, sessionId: string) => Promise<void> | void;
  /**
   * Close the sessions on SIGINT, SIGTERM and `beforeExit` (then let the signal do what it
   * would have done).
   * @default true
   */
  closeOnExit?: boolean;
  /**
   * Told about failures nobody awaits: a kill after the idle timeout that failed.
   * @default emits a process warning
   */
  onError?: (error: unknown, sessionId: string) => void;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_SESSIONS = 10;
/** How far the sandbox's own lifetime runs past the idle timeout, so the idle kill comes first. */
export const LIFETIME_MARGIN_MS = 60_000;
/** The lifetime asked for when idle expiry is off and none was given (E2B's default). */
const DEFAULT_LIFETIME_MS = 300_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Session<S> {
  readonly id: string;
  /** The sandbox, or undefined when creation failed; never rejects. */
  created: Promise<S | undefined>;
  /** The sandbox for callers; rejects when creation failed or the session ended meanwhile. */
  ready: Promise<S>;
  /** Callers inside `withSession` (or between acquire and release): no idle expiry while > 0. */
  leases: number;
  idleTimer?: NodeJS.Timeout;
  /** When the sandbox's own lifetime ends, as last set. */
  expiresAt: number;
  ending?: Promise<void>;
}

/**
 * One sandbox per session (a conversation, a thread, a user), created on first use and reused
 * after. A session ends, and its sandbox is killed, after `idleTimeoutMs` without use, on
 * `kill(id)`, on `close()` / `await using`, and (unless turned off) when the process is told to
 * stop. Calls racing for a new session share one creation; a creation that fails half-way
 * (`onCreate` threw) kills what it made; `close()` during a creation kills the sandbox when it
 * arrives. Each sandbox is also created with a lifetime a little past the idle timeout, renewed
 * as it is used, so even a process killed outright leaves nothing running for long.
 *
 * ```ts
 * await using sessions = new SandboxSessions({ template: 'code-interpreter-v1', idleTimeoutMs: 600_000 });
 * const out = await sessions.withSession(threadId, (sandbox) => sandbox.commands.run('ls'));
 * ```
 */
export class SandboxSessions<S extends SessionSandbox = Sandbox> implements AsyncDisposable {
  private readonly factory: SandboxFactory<S>;
  private readonly createOpts: SandboxOpts;
  private readonly idleTimeoutMs: number;
  private readonly lifetimeMs: number;
  private readonly maxSessions: number;
  private readonly opts: SandboxSessionsOpts<S>;
  private readonly sessions = new Map<string, Session<S>>();
  /** Kills under way, awaited by `close()` so nothing outlives it. */
  private readonly ending = new Set<Promise<void>>();
  private closing?: Promise<void>;
  private unregisterExit?: () => void;

  constructor(opts: SandboxSessionsOpts<S> = {}) {
    this.opts = opts;
    this.factory = opts.sandboxClass ?? (Sandbox as unknown as SandboxFactory<S>);
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.maxSessions = opts.maxSessions ?? DEFAULT_MAX_SESSIONS;
    // Node turns timer delays past 2^31-1 ms (about 24.8 days) into 1 ms: refuse them.
    if (!(this.idleTimeoutMs >= 0 && this.idleTimeoutMs <= MAX_TIMER_MS)) {
      throw new InvalidArgumentError(
        `idleTimeoutMs must be 0 (never) or a number of milliseconds up to ${MAX_TIMER_MS}, got ${opts.idleTimeoutMs}.`,
      );
    }
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1) {
      throw new InvalidArgumentError(`maxSessions must be a positive integer, got ${opts.maxSessions}.`);
    }
    this.lifetimeMs = opts.sandboxOpts?.timeoutMs ?? (this.idleTimeoutMs > 0 ? this.idleTimeoutMs + LIFETIME_MARGIN_MS : DEFAULT_LIFETIME_MS);
    this.createOpts = { ...opts.sandboxOpts, timeoutMs: this.lifetimeMs };
    if (opts.template !== undefined) this.createOpts.template = opts.template;
  }

  /** Live sessions (including ones whose sandbox is still being created). */
  get size(): number {
    return this.sessions.size;
  }

  /** Ids of the live sessions. */
  sessionIds(): string[] {
    return [...this.sessions.keys()];
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  /**
   * The session's sandbox, created if the session is new. Its idle timeout restarts now; use
   * {@link withSession} for work that may outlast it.
   * @throws SessionLimitError when the session is new and `maxSessions` are live.
   * @throws SessionsClosedError after `close()`.
   */
  async get(sessionId: string): Promise<S> {
    const session = await this.acquire(sessionId);
    this.release(session);
    return session.ready;
  }

  /**
   * Runs `fn` with the session's sandbox (created if the session is new). The session does not
   * idle-expire while `fn` runs; when `fn` throws, the session stays (it ends with the idle
   * timeout or `close()` as usual) and the error is rethrown.
   */
  async withSession<T>(sessionId: string, fn: (sandbox: S) => Promise<T> | T): Promise<T> {
    const session = await this.acquire(sessionId);
    try {
      return await fn(await session.ready);
    } finally {
      this.release(session);
    }
  }

  /** Ends a session and kills its sandbox; `false` when there was no such session. */
  async kill(sessionId: string): Promise<boolean> {
    const session = this.sessions.get(sessionId);
    if (!session) return false;
    await this.end(session);
    return true;
  }

  /**
   * Ends every session and kills their sandboxes (waiting for creations under way); later calls
   * throw {@link SessionsClosedError}. Idempotent.
   * @throws AggregateError of the kills that failed, after trying them all.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      // Ending a session adds its kill to `ending`, next to kills already under way.
      for (const session of [...this.sessions.values()]) void this.end(session);
      const results = await Promise.allSettled([...this.ending]);
      this.unregisterExit?.();
      const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      if (failures.length > 0) {
        throw new AggregateError(failures, `Killing ${failures.length} session sandbox(es) failed while closing; they end with their lifetime (timeoutMs).`);
      }
    })();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async acquire(sessionId: string): Promise<Session<S>> {
    if (this.closing) throw new SessionsClosedError(sessionId);
    let session = this.sessions.get(sessionId);
    if (!session) {
      if (this.sessions.size >= this.maxSessions) throw new SessionLimitError(this.maxSessions, sessionId);
      session = this.start(sessionId);
    }
    session.leases++;
    clearTimeout(session.idleTimer);
    let sandbox: S;
    try {
      sandbox = await session.ready;
    } catch (err) {
      this.release(session);
      throw err;
    }
    try {
      await this.keepAlive(session, sandbox);
    } catch (err) {
      this.release(session);
      // Gone behind our back (expired, killed elsewhere): the session starts over with a new sandbox.
      if (err instanceof Error && err.name === 'SandboxNotFoundError' && !this.closing) {
        await this.end(session).catch(() => {});
        return this.acquire(sessionId);
      }
      throw err;
    }
    return session;
  }

  private release(session: Session<S>): void {
    session.leases--;
    if (session.leases > 0 || this.idleTimeoutMs === 0 || this.sessions.get(session.id) !== session) return;
    clearTimeout(session.idleTimer);
    session.idleTimer = setTimeout(() => {
      this.end(session).catch((err: unknown) => this.report(err, session.id));
    }, this.idleTimeoutMs);
    // An idle session must not keep a finished program alive; `beforeExit` cleans it up.
    session.idleTimer.unref();
  }

  private start(sessionId: string): Session<S> {
    if (this.opts.closeOnExit !== false) this.unregisterExit ??= closeOnExit(this);
    const creation = this.create(sessionId);
    const session: Session<S> = {
      id: sessionId,
      leases: 0,
      expiresAt: Date.now() + this.lifetimeMs,
      created: creation.then(
        (sandbox) => sandbox,
        () => undefined,
      ),
      ready: creation.then((sandbox) => {
        if (session.ending) throw new SessionsClosedError(sessionId);
        return sandbox;
      }),
    };
    // Failures reach the callers through `ready`; this only keeps Node from calling them unhandled.
    session.ready.catch(() => {});
    creation.catch(() => {
      if (this.sessions.get(sessionId) === session) this.sessions.delete(sessionId);
    });
    this.sessions.set(sessionId, session);
    return session;
  }

  private async create(sessionId: string): Promise<S> {
    const sandbox = await this.factory.create(this.createOpts);
    if (this.opts.onCreate) {
      try {
        await this.opts.onCreate(sandbox, sessionId);
      } catch (err) {
        await sandbox.kill().catch((killErr: unknown) => this.report(killErr, sessionId));
        throw err;
      }
    }
    return sandbox;
  }

  /** Renews the sandbox's own lifetime once half of it is used up. */
  private async keepAlive(session: Session<S>, sandbox: S): Promise<void> {
    if (!sandbox.setTimeout || session.expiresAt - Date.now() > this.lifetimeMs / 2) return;
    await sandbox.setTimeout(this.lifetimeMs);
    session.expiresAt = Date.now() + this.lifetimeMs;
  }

  private end(session: Session<S>): Promise<void> {
    if (session.ending) return session.ending;
    if (this.sessions.get(session.id) === session) this.sessions.delete(session.id);
    clearTimeout(session.idleTimer);
    const ending = session.created.then(async (sandbox) => {
      await sandbox?.kill();
    });
    session.ending = ending;
    this.ending.add(ending);
    const forget = (): void => void this.ending.delete(ending);
    ending.then(forget, forget);
    return ending;
  }

  private report(error: unknown, sessionId: string): void {
    if (this.opts.onError) return this.opts.onError(error, sessionId);
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(`Killing the sandbox of session "${sessionId}" failed: ${message}. It ends with its lifetime (timeoutMs).`, 'SandboxSessionsWarning');
  }
}
