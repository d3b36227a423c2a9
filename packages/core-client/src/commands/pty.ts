import { KEEPALIVE_HEADERS, type EnvdConnection } from '../envd/envd-connection.js';
import { userHeaders } from '../envd/envd-user.js';
import { rpcError } from '../envd/rpc-error.js';
import { createStreamController } from '../envd/stream-controller.js';
import type { CommandHandle, CommandRequestOpts, PtyOutputCallback } from './command-handle.js';
import { deadline, pidSelector, type Commands } from './commands.js';

/** A terminal's size in character cells. */
export interface PtySize {
  cols: number;
  rows: number;
}

/** Options of `pty.create()`, as `e2b`'s `PtyCreateOpts`. */
export interface PtyCreateOpts extends PtySize, CommandRequestOpts {
  /** The terminal's output as it arrives: raw bytes, escape sequences included. */
  onData: PtyOutputCallback;
  /**
   * Time limit for the terminal in **milliseconds**: the shell is killed then; `0` disables it.
   * @default 60_000
   */
  timeoutMs?: number;
  /** User to run the shell as; defaults to the sandbox's user (`user`). */
  user?: string;
  /** Environment variables; `TERM`, `LANG` and `LC_ALL` default to `xterm-256color` and `C.UTF-8`. */
  envs?: Record<string, string>;
  /** Working directory; defaults to the user's home. */
  cwd?: string;
}

/** Options of `pty.connect()`. */
export type PtyConnectOpts = Pick<PtyCreateOpts, 'onData' | 'timeoutMs'> & CommandRequestOpts;

export const DEFAULT_PTY_TIMEOUT_MS = 60_000;

/**
 * `sandbox.pty`: interactive terminals (`/bin/bash -i -l` in a pseudo-terminal), the same calls
 * and wire messages as `e2b`'s `sandbox.pty`. A terminal is a process: `commands.list()` shows
 * it and `commands.kill(pid)` ends it too.
 */
export class Pty {
  /** @internal Reached through `sandbox.pty`. */
  constructor(
    private readonly envd: EnvdConnection,
    private readonly commands: Commands,
  ) {}

  /** Starts an interactive login shell in a new terminal of `cols` x `rows`. */
  async create(opts: PtyCreateOpts): Promise<CommandHandle> {
    const envs = { TERM: 'xterm-256color', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', ...opts.envs };
    const controller = createStreamController(opts.requestTimeoutMs ?? this.envd.config.requestTimeoutMs, opts.signal);
    const stream = this.commands.rpc.start(
      {
        process: { cmd: '/bin/bash', args: ['-i', '-l'], envs, ...(opts.cwd ? { cwd: opts.cwd } : {}) },
        pty: { size: { cols: opts.cols, rows: opts.rows } },
      },
      {
        signal: controller.signal,
        headers: { ...userHeaders(this.envd.envdVersion, opts.user), ...KEEPALIVE_HEADERS },
        timeoutMs: deadline(opts.timeoutMs ?? DEFAULT_PTY_TIMEOUT_MS),
      },
    );
    return this.commands.handleFor(stream, controller, { onPty: opts.onData });
  }

  /** Attaches to a running terminal: its output from now on reaches `onData`. */
  async connect(pid: number, opts?: PtyConnectOpts): Promise<CommandHandle> {
    const controller = createStreamController(opts?.requestTimeoutMs ?? this.envd.config.requestTimeoutMs, opts?.signal);
    const stream = this.commands.rpc.connect(
      { process: pidSelector(pid) },
      { signal: controller.signal, headers: KEEPALIVE_HEADERS, timeoutMs: deadline(opts?.timeoutMs ?? DEFAULT_PTY_TIMEOUT_MS) },
    );
    return this.commands.handleFor(stream, controller, opts?.onData ? { onPty: opts.onData } : undefined);
  }

  /** Types `data` into the terminal (keystrokes: `\r` is Enter, `\x03` is Ctrl-C). */
  async sendInput(pid: number, data: Uint8Array, opts?: CommandRequestOpts): Promise<void> {
    try {
      await this.commands.rpc.sendInput(
        { process: pidSelector(pid), input: { input: { case: 'pty', value: data } } },
        { signal: this.commands.signal(opts) },
      );
    } catch (err) {
      throw rpcError(err);
    }
  }

  /** Sets the terminal's size; the program in it gets SIGWINCH. */
  async resize(pid: number, size: PtySize, opts?: CommandRequestOpts): Promise<void> {
    try {
      await this.commands.rpc.update(
        { process: pidSelector(pid), pty: { size: { cols: size.cols, rows: size.rows } } },
        { signal: this.commands.signal(opts) },
      );
    } catch (err) {
      throw rpcError(err);
    }
  }

  /** Kills the terminal's shell and its jobs with SIGKILL; `false` when there was no such process. */
  kill(pid: number, opts?: CommandRequestOpts): Promise<boolean> {
    return this.commands.kill(pid, opts);
  }
}
