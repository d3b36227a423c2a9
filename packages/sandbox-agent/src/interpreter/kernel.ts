/**
 * The contract between the code-interpreter service (contexts, `/execute` streaming) and the
 * language kernels behind it. One `Kernel` per context; each runs as the sandbox user in its
 * own process(es) started through the agent's `ProcessLauncher` (so it gets the same
 * hardening as commands).
 */

export type KernelLanguage = 'python' | 'javascript' | 'typescript' | 'r' | 'java' | 'bash';

/** A Jupyter-style MIME bundle: `text/plain`, `text/html`, `image/png` (base64), … */
export type MimeBundle = Readonly<Record<string, unknown>>;

export interface ExecutionErrorInfo {
  readonly name: string;
  readonly value: string;
  /** The traceback as one string, lines joined with `\n` (what the SDK exposes). */
  readonly traceback: string;
}

/** Where a kernel reports an execution's output, in the order it happens. */
export interface ExecutionSink {
  /** A chunk of stdout as produced (the service splits lines for the wire). */
  stdout(text: string): void;
  stderr(text: string): void;
  /** A rich result; `isMainResult` for the last expression's value, false for `display(...)`. */
  result(bundle: MimeBundle, isMainResult: boolean): void;
  error(error: ExecutionErrorInfo): void;
}

export interface ExecuteRequest {
  readonly code: string;
  /** Apply for this execution only; restored or removed afterwards. */
  readonly envVars: Readonly<Record<string, string>>;
  /** Aborted when the caller's timeout fires or the client disconnects: interrupt, keep state. */
  readonly signal: AbortSignal;
}

export interface ExecuteOutcome {
  /** Jupyter-style execution counter after this execution. */
  readonly executionCount: number;
}

/**
 * How a kernel's stdout/stderr reaches the client. `lines`: one wire line per printed line, as a
 * line-buffered terminal shows output. `as-written`: each chunk as the kernel flushed it, as a
 * Jupyter kernel's stream messages arrive (E2B's Java kernel sends `println("x")` as `x` then
 * `\n`, and E2B's tests read that first chunk).
 */
export type OutputFraming = 'lines' | 'as-written';

export interface Kernel {
  readonly language: KernelLanguage;
  /** Default `lines`. */
  readonly outputFraming?: OutputFraming;
  /** Starts the kernel process(es); resolves when it can execute. Idempotent. */
  start(): Promise<void>;
  /**
   * Runs one execution. Executions on one kernel are serialised by the caller. Resolves after
   * the last output was delivered to the sink. If the kernel process dies (OOM, crash), it
   * rejects at once with `KernelDiedError` (`KernelOutOfMemoryError`); the next execution starts
   * a fresh process. After repeated failures it rejects with `KernelCrashLoopError` until `restart()`.
   */
  execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome>;
  /** Clears all state (the fresh process starts with the next execution) and any crash loop. */
  restart(): Promise<void>;
  shutdown(): Promise<void>;
  /**
   * When the kernel's process last went idle (ms since the epoch): undefined while it executes or
   * holds no process. Kernels without it are never evicted.
   */
  idleSince?(): number | undefined;
  /**
   * Stops the process if it is idle, to free memory; the next execution fails with
   * `KernelEvictedError` saying `why` (when there was state to lose) and the one after starts
   * afresh. False when there was nothing to stop or it is busy.
   */
  evict?(why: string): Promise<boolean>;
}

export interface KernelOptions {
  /** The context's id, to name the kernel in reports (out-of-memory errors). */
  readonly contextId?: string;
  readonly cwd: string;
  /** Base environment for the kernel process (sandbox envs, HOME, PATH, …). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Which of `env`'s variables are the sandbox's own (from create), for kernels that also
   * expose them another way (Java: as system properties, as E2B does).
   */
  readonly sandboxEnvNames?: readonly string[];
}
