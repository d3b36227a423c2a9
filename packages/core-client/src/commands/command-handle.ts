import type { processPb } from '@codebox/protocol';
import { CommandExitError, SandboxError } from '../errors.js';
import { rpcError } from '../envd/rpc-error.js';
import type { CommandResult } from './command-result.js';

export type OutputCallback = (data: string) => void | Promise<void>;

/** Receives a terminal's raw bytes (a PTY's output: stdout and stderr in one, escape sequences included). */
export type PtyOutputCallback = (data: Uint8Array) => void | Promise<void>;

/** Options of the per-handle stdin calls; same as `commands.sendStdin`'s. */
export interface CommandRequestOpts {
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

/** What a handle needs from `Commands`; the handle owns the event stream it is given. */
export interface CommandHandleInit {
  pid: number;
  /** The process's events after the `start` event. */
  events: AsyncIterator<processPb.StartResponse | processPb.ConnectResponse>;
  /** Stops receiving events (aborts the stream); the process keeps running. */
  disconnect: () => void;
  kill: () => Promise<boolean>;
  sendStdin: (data: string | Uint8Array, opts?: CommandRequestOpts) => Promise<void>;
  closeStdin: (opts?: CommandRequestOpts) => Promise<void>;
  onStdout?: OutputCallback;
  onStderr?: OutputCallback;
  /** A PTY's output; PTY bytes are not decoded into `stdout`. */
  onPty?: PtyOutputCallback;
}

/**
 * A running command (`commands.run(cmd, { background: true })` or `commands.connect(pid)`).
 * Output accumulates in `stdout`/`stderr` and reaches the callbacks as it arrives, in order.
 */
export class CommandHandle {
  readonly pid: number;
  private readonly init: CommandHandleInit;
  private _stdout = '';
  private _stderr = '';
  private readonly stdoutDecoder = new TextDecoder();
  private readonly stderrDecoder = new TextDecoder();
  private result: CommandResult | undefined;
  private iterationError: unknown;
  private disconnected = false;
  private readonly done: Promise<void>;

  /** @internal Use `sandbox.commands.run()` or `sandbox.commands.connect()`. */
  constructor(init: CommandHandleInit) {
    this.pid = init.pid;
    this.init = init;
    this.done = this.consume();
  }

  /** Exit code, or `undefined` while the command runs. */
  get exitCode(): number | undefined {
    return this.result?.exitCode;
  }

  /** Error message from the sandbox, when the command failed to run or was killed. */
  get error(): string | undefined {
    return this.result?.error;
  }

  get stdout(): string {
    return this._stdout;
  }

  get stderr(): string {
    return this._stderr;
  }

  /**
   * Waits for the command to finish. Rejects with `CommandExitError` on a non-zero exit, and
   * with the stream's error (e.g. `TimeoutError` after `timeoutMs`) when it ended without one.
   */
  async wait(): Promise<CommandResult> {
    await this.done;
    if (this.iterationError) throw this.iterationError;
    if (!this.result) {
      throw new SandboxError(
        this.disconnected
          ? `Disconnected from command ${this.pid} before it finished; use commands.connect(${this.pid}) to wait for it.`
          : `The stream of command ${this.pid} ended without an exit event; the sandbox may have been stopped.`,
      );
    }
    if (this.result.exitCode !== 0) throw new CommandExitError(this.result);
    return this.result;
  }

  /**
   * Stops receiving output; the command keeps running. No callback fires after this returns.
   * Reconnect with `commands.connect(pid)`.
   */
  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.init.disconnect();
  }

  /** Kills the command with SIGKILL; `false` when it was not found. */
  async kill(): Promise<boolean> {
    return this.init.kill();
  }

  /** Writes to the command's stdin; it must have been started with `stdin: true`. */
  async sendStdin(data: string | Uint8Array, opts?: CommandRequestOpts): Promise<void> {
    await this.init.sendStdin(data, opts);
  }

  /** Closes the command's stdin (EOF); it must have been started with `stdin: true`. */
  async closeStdin(opts?: CommandRequestOpts): Promise<void> {
    await this.init.closeStdin(opts);
  }

  private async consume(): Promise<void> {
    try {
      for (;;) {
        const next = await this.init.events.next();
        if (next.done || this.disconnected) break;
        const event = next.value.event?.event;
        if (event?.case === 'data') {
          const output = event.value.output;
          if (output.case === 'stdout') await this.emitStdout(this.stdoutDecoder.decode(output.value, { stream: true }));
          else if (output.case === 'stderr') await this.emitStderr(this.stderrDecoder.decode(output.value, { stream: true }));
          else if (output.case === 'pty' && !this.disconnected) await this.init.onPty?.(output.value);
        } else if (event?.case === 'end') {
          await this.flushDecoders();
          const result: CommandResult = { exitCode: event.value.exitCode, stdout: this._stdout, stderr: this._stderr };
          if (event.value.error) result.error = event.value.error;
          this.result = result;
        }
        // keepalive and anything newer carry no output.
      }
      await this.flushDecoders();
    } catch (err) {
      await this.flushDecoders().catch(() => undefined);
      if (!this.disconnected) this.iterationError = rpcError(err);
    } finally {
      this.init.disconnect();
    }
  }

  private async flushDecoders(): Promise<void> {
    await this.emitStdout(this.stdoutDecoder.decode());
    await this.emitStderr(this.stderrDecoder.decode());
  }

  private async emitStdout(text: string): Promise<void> {
    if (!text) return;
    this._stdout += text;
    if (!this.disconnected) await this.init.onStdout?.(text);
  }

  private async emitStderr(text: string): Promise<void> {
    if (!text) return;
    this._stderr += text;
    if (!this.disconnected) await this.init.onStderr?.(text);
  }
}
