import { spawn } from 'node:child_process';
import { closeSync, constants, openSync, write } from 'node:fs';
import { ReadStream } from 'node:tty';
import { FailedPreconditionError, InvalidArgumentError, TerminalInputFullError } from '../errors.js';

/** A terminal's size in character cells, as envd's `PTY.Size`. */
export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

/**
 * Input a terminal may hold unread before more is refused: a program that never reads its input
 * (or reads slowly) cannot make the agent queue without bound. One message is always taken
 * when the backlog is below this, so a paste as large as a request may be is never refused outright.
 */
export const TERMINAL_INPUT_BACKLOG_BYTES = 1024 * 1024;

/** How long input waits before it is offered again to a terminal whose input buffer was full. */
const INPUT_RETRY_MS = { first: 5, max: 100 } as const;

/**
 * After the command ended, background jobs it left may still hold the terminal open, so its
 * hang-up (EIO) never comes: the output is read on until it has been quiet this long.
 */
const QUIET_AFTER_EXIT_MS = 200;

/**
 * The master side of a pseudo-terminal the agent opened from the kernel's /dev/ptmx.
 *
 * Why the kernel's pty and not node-pty: node-pty is a native addon, so it would have to be built
 * for the Node copied into every template, and it forks the command itself. Here the agent keeps
 * only the master descriptor, read and written by libuv as a tty stream (pausing it is the
 * backpressure, as with pipes), and the command still starts through `sandbox-exec`, which takes
 * the slave as its controlling terminal before it drops privileges (native/sandbox-pty.c). The
 * ioctls Node has no API for (unlock, TIOCSCTTY, TIOCSWINSZ) are done by that static helper.
 *
 * Input is not written through the tty stream: libuv cannot reopen a master non-blocking and
 * falls back to blocking writes, so a program that does not read its input would stall the
 * agent's whole event loop. The master is opened O_NONBLOCK instead and input is written with
 * fs.write, offered again after a short wait while the terminal's input buffer is full.
 */
export class PtyTerminal {
  /** The master, read and written as a stream; `fd` stays valid until the stream closes. */
  readonly output: ReadStream;
  private lastOutputAt = Date.now();
  /** Typed input the terminal has not taken yet, oldest first. */
  private readonly input: Buffer[] = [];
  private inputBytes = 0;
  private writing = false;
  private retryMs: number = INPUT_RETRY_MS.first;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The size to set next, and the run of the resize helper setting sizes, if one is running. */
  private wantedSize: TerminalSize | undefined;
  private resizing: Promise<void> | undefined;
  /**
   * Whether the command may hold the slave side yet. Until then the master is not read: gVisor
   * (2024) answers EIO, a hang-up, to reading a master whose slave was never opened, where Linux
   * answers EAGAIN, and an EIO ends the output before the command has started.
   */
  private attached = false;
  /** Whether the reader (ManagedProcess's backpressure) wants output flowing. */
  private flowWanted = true;

  private constructor(
    readonly fd: number,
    private readonly helperPath: string,
  ) {
    this.output = new ReadStream(fd);
    // Not flowing until attach(): a 'data' listener does not start a stream paused explicitly.
    this.output.pause();
    this.output.on('data', () => {
      this.lastOutputAt = Date.now();
    });
    // EIO is the terminal hanging up (every slave descriptor closed): the end of the output.
    this.output.on('error', () => this.close());
    this.output.once('close', () => {
      clearTimeout(this.retryTimer);
      this.input.length = 0;
      this.inputBytes = 0;
    });
  }

  /** Opens a new pty master; `helperPath` is the sandbox-exec binary that sets its size. */
  static open(helperPath: string): PtyTerminal {
    let fd: number;
    try {
      fd = openSync('/dev/ptmx', constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    } catch (error) {
      throw new FailedPreconditionError(`cannot open a pseudo-terminal (/dev/ptmx): ${(error as Error).message}`);
    }
    try {
      return new PtyTerminal(fd, helperPath);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /**
   * The command holds the slave now, or its start failed (then the first read is the hang-up):
   * the output may be read. Called when the helper closes its ready descriptor (sandbox-pty.c).
   */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    if (this.flowWanted && !this.output.destroyed) this.output.resume();
  }

  /** Stops reading the output (backpressure); use instead of `output.pause()`. */
  pause(): void {
    this.flowWanted = false;
    this.output.pause();
  }

  /** Reads the output again once the command holds the terminal; use instead of `output.resume()`. */
  resume(): void {
    this.flowWanted = true;
    if (this.attached) this.output.resume();
  }

  get isClosed(): boolean {
    return this.output.destroyed;
  }

  /** Queues `data` as typed input; refused while the terminal holds a megabyte it has not taken yet. */
  write(data: Uint8Array): void {
    if (this.isClosed) throw new FailedPreconditionError('the terminal is closed; its process has ended');
    if (this.inputBytes >= TERMINAL_INPUT_BACKLOG_BYTES) {
      throw new TerminalInputFullError(
        `the terminal has not read ${this.inputBytes} bytes of earlier input yet; send more once the program reads its input`,
      );
    }
    if (data.byteLength === 0) return;
    this.input.push(Buffer.from(data));
    this.inputBytes += data.byteLength;
    this.pumpInput();
  }

  /** Writes queued input until the terminal takes no more (EAGAIN), then tries again shortly. */
  private pumpInput(): void {
    const next = this.input[0];
    if (this.writing || this.retryTimer || !next || this.isClosed) return;
    this.writing = true;
    write(this.fd, next, (error, written) => {
      this.writing = false;
      if (this.isClosed) return;
      if (error) {
        if (error.code !== 'EAGAIN') return this.close();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.pumpInput();
        }, this.retryMs);
        this.retryMs = Math.min(this.retryMs * 2, INPUT_RETRY_MS.max);
        return;
      }
      this.retryMs = INPUT_RETRY_MS.first;
      this.inputBytes -= written;
      if (written < next.byteLength) this.input[0] = next.subarray(written);
      else this.input.shift();
      this.pumpInput();
    });
  }

  /**
   * Sets the window size; the kernel sends SIGWINCH to the terminal's foreground job. Each size
   * costs a helper process, so sizes asked for while one is being set are coalesced: only the
   * latest is set next (a window being dragged sends dozens), and every caller's promise settles
   * once a size at least as new as its own is in place.
   */
  resize(size: TerminalSize): Promise<void> {
    checkSize(size);
    if (this.isClosed) return Promise.reject(new FailedPreconditionError('the terminal is closed; its process has ended'));
    this.wantedSize = size;
    this.resizing ??= this.applyWantedSizes().finally(() => {
      this.resizing = undefined;
    });
    return this.resizing;
  }

  private async applyWantedSizes(): Promise<void> {
    for (let size = this.wantedSize; size; size = this.wantedSize) {
      this.wantedSize = undefined;
      if (this.isClosed) throw new FailedPreconditionError('the terminal is closed; its process has ended');
      await this.setSize(size);
    }
  }

  private async setSize(size: TerminalSize): Promise<void> {
    const helper = spawn(this.helperPath, ['--pty-resize', String(size.cols), String(size.rows)], {
      stdio: [this.fd, 'ignore', 'pipe'],
    });
    let message = '';
    helper.stderr?.on('data', (chunk: Buffer) => {
      message += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      helper.once('error', reject);
      helper.once('close', resolve);
    });
    if (code !== 0) throw new FailedPreconditionError(`resizing the terminal failed: ${message.trim() || `exit ${code}`}`);
  }

  /**
   * Resolves once the output has ended, after the command exited: at the hang-up, or when the
   * output stayed quiet (and unpaused) for a moment because background jobs hold the terminal.
   */
  drainAfterExit(): Promise<void> {
    if (this.output.closed) return Promise.resolve();
    // The command's helper is gone, so it holds the slave or never will: reading is safe.
    this.attach();
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (!this.output.isPaused() && Date.now() - this.lastOutputAt >= QUIET_AFTER_EXIT_MS) this.close();
      }, QUIET_AFTER_EXIT_MS / 2);
      this.output.once('close', () => {
        clearInterval(timer);
        resolve();
      });
    });
  }

  /** Closes the master: whatever still holds the terminal gets a hang-up. */
  close(): void {
    if (this.output.destroyed) return;
    this.output.destroy();
  }
}

/** Validates a size from the wire: 1-65535 cells each way (the kernel's winsize is 16-bit). */
export function checkSize(size: TerminalSize): void {
  for (const [name, value] of [
    ['cols', size.cols],
    ['rows', size.rows],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 0xffff) {
      throw new InvalidArgumentError(`pty.size.${name} must be 1-65535, got ${value}`);
    }
  }
}
