import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Readable } from 'node:stream';
import { FailedPreconditionError, StreamTooSlowError } from '../errors.js';
import { BoundedQueue } from './bounded-queue.js';
import { processGroupsOfSession } from './process-session.js';
import type { PtyTerminal, TerminalSize } from './pty-terminal.js';

/** Where output came from: the pipes, or the terminal of a PTY process (both streams in one). */
export type OutputKind = 'stdout' | 'stderr' | 'pty';

/** What a process stream carries besides `start`/`keepalive`: output and the single end. */
export type ProcessOutput =
  | { readonly kind: OutputKind; readonly data: Uint8Array }
  | { readonly kind: 'end'; readonly end: ProcessEnd };

export interface ProcessEnd {
  /** The exit code, or -1 when a signal ended the process (as Go's ProcessState reports). */
  readonly exitCode: number;
  /** True when the process exited by itself rather than by a signal. */
  readonly exited: boolean;
  /** Go-style status text envd sends: `exit status 1`, `signal: killed`. */
  readonly status: string;
  readonly error?: string;
}

export interface ProcessSpec {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly envs: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly tag?: string;
  /** Set for a PTY process: the size it started with. */
  readonly pty?: TerminalSize;
}

/** How much output one subscriber may have queued, and how long it may hold the others back. */
export interface OutputLimits {
  /** A subscriber holding this many bytes pauses the process's pipes. */
  readonly highWaterBytes: number;
  /** The pipes are read again once every subscriber holds at most this. */
  readonly lowWaterBytes: number;
  /**
   * A subscriber that has kept the pipes paused this long while another subscriber waits for
   * output is cut, so one stalled client cannot stall the others forever. A subscriber that is
   * alone is never cut: it paces the process, as a reader paces a pipe.
   */
  readonly stallMs: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  highWaterBytes: 256 * 1024,
  lowWaterBytes: 64 * 1024,
  stallMs: 5_000,
};

interface Subscriber {
  readonly queue: BoundedQueue<ProcessOutput>;
  /** Since when this subscriber has been keeping the pipes paused. */
  blockingSince: number | undefined;
}

/**
 * One running user process. Output is not buffered for late subscribers (envd does not
 * replay either): a stream sees what is produced after it subscribed, and output produced while
 * nobody subscribes is read and dropped, so a background process never blocks on it.
 *
 * Backpressure: each subscriber has a bounded queue. When one is full the process's stdout and
 * stderr are no longer read, the pipe fills and the process blocks in write() until the slow
 * subscriber catches up; the agent's memory stays bounded at any output rate.
 */
export class ManagedProcess {
  readonly pid: number;
  private readonly subscribers = new Set<Subscriber>();
  private ended: ProcessEnd | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private deadlineHit = false;
  private paused = false;
  private stallCheck: NodeJS.Timeout | undefined;
  /** What backpressure pauses and resumes: the pipes, or the terminal (which gates its own reading). */
  private readonly flows: readonly { pause(): unknown; resume(): unknown }[];
  /** Resolves with the end, after the last output was handed to the subscribers. */
  readonly done: Promise<ProcessEnd>;

  /**
   * @param terminal the pty master of a PTY process: its output is read instead of the pipes,
   *   and the end waits for it, so output written just before exit is not lost
   */
  constructor(
    private readonly child: ChildProcess,
    readonly spec: ProcessSpec,
    private readonly limits: OutputLimits = DEFAULT_OUTPUT_LIMITS,
    private readonly terminal?: PtyTerminal,
  ) {
    if (child.pid === undefined) throw new Error('ManagedProcess needs a spawned child with a pid');
    this.pid = child.pid;
    const sources: (readonly [OutputKind, Readable])[] = [];
    if (terminal) sources.push(['pty', terminal.output]);
    if (child.stdout) sources.push(['stdout', child.stdout]);
    if (child.stderr) sources.push(['stderr', child.stderr]);
    this.flows = sources.map(([kind, stream]) => (kind === 'pty' && terminal ? terminal : stream));
    for (const [kind, stream] of sources) stream.on('data', (data: Buffer) => this.emit({ kind, data }));
    // A process that exits before reading its stdin must not crash the agent with EPIPE.
    child.stdin?.on('error', () => undefined);
    this.done = new Promise((resolve) => {
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(this.deadline);
        clearInterval(this.stallCheck);
        this.ended = endOf(code, signal);
        this.emit({ kind: 'end', end: this.ended });
        for (const subscriber of this.subscribers) subscriber.queue.close();
        this.subscribers.clear();
        resolve(this.ended);
      };
      // 'close' waits for the pipes; a terminal is not one of them, so it is waited for here.
      if (terminal) {
        child.once('exit', (code, signal) => void terminal.drainAfterExit().then(() => finish(code, signal)));
      } else {
        child.once('close', finish);
      }
    });
  }

  get end(): ProcessEnd | undefined {
    return this.ended;
  }

  /** True once `killAfter`'s deadline has killed the process. */
  get deadlineExceeded(): boolean {
    return this.deadlineHit;
  }

  /**
   * SIGKILLs the process group after `ms` unless it ended first. The timer belongs to the
   * process, not to a stream, so it fires even when the client has gone away.
   */
  killAfter(ms: number): void {
    clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      if (this.ended) return;
      this.deadlineHit = true;
      this.signal('SIGKILL');
    }, ms);
    this.deadline.unref();
  }

  /**
   * Output from now until the end event (inclusive), stopping when `signal` aborts. The
   * listener is registered by this call, not on first iteration, so a caller that
   * subscribes right after spawn sees everything even if it yields something else first.
   */
  subscribe(signal: AbortSignal): AsyncIterable<ProcessOutput> {
    const ended = this.ended;
    if (ended) {
      return (async function* () {
        yield { kind: 'end', end: ended } as const;
      })();
    }
    const { highWaterBytes, lowWaterBytes } = this.limits;
    const subscriber: Subscriber = {
      queue: new BoundedQueue<ProcessOutput>(highWaterBytes, lowWaterBytes, () => this.taken(subscriber)),
      blockingSince: undefined,
    };
    this.subscribers.add(subscriber);
    const leave = (): void => this.unsubscribe(subscriber);
    // A client that went away gets nothing more: what was queued for it is dropped at once.
    const abandon = (): void => {
      subscriber.queue.close(true);
      leave();
    };
    signal.addEventListener('abort', abandon, { once: true });
    const queue = subscriber.queue;
    return (async function* () {
      try {
        for await (const output of queue) {
          yield output;
          if (output.kind === 'end') return;
        }
      } finally {
        signal.removeEventListener('abort', abandon);
        leave();
      }
    })();
  }

  /** How many streams currently receive this process's output. */
  get subscriberCount(): number {
    return this.subscribers.size;
  }

  writeStdin(data: Uint8Array): void {
    const stdin = this.requireStdin();
    stdin.write(data);
  }

  /** Types `data` into the process's terminal. */
  writeTerminal(data: Uint8Array): void {
    this.requireTerminal().write(data);
  }

  /** Sets the terminal's window size (the foreground job gets SIGWINCH). */
  resizeTerminal(size: TerminalSize): Promise<void> {
    return this.requireTerminal().resize(size);
  }

  closeStdin(): void {
    this.requireStdin().end();
  }

  /**
   * Signals the whole process group, so children the command started go too. A PTY process's
   * shell puts each job in a group of its own, so there every group of its session is signalled.
   */
  signal(signal: NodeJS.Signals): void {
    if (this.ended) return;
    const groups = new Set([this.pid, ...(this.terminal ? processGroupsOfSession(this.pid) : [])]);
    for (const group of groups) {
      try {
        process.kill(-group, signal);
      } catch (error) {
        // ESRCH: the group is already gone; the close event is on its way.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  }

  private requireTerminal(): PtyTerminal {
    if (!this.terminal) throw new FailedPreconditionError(`process ${this.pid} has no terminal; it was started without pty, send stdin`);
    return this.terminal;
  }

  private requireStdin(): NonNullable<ChildProcess['stdin']> {
    if (this.terminal) throw new FailedPreconditionError(`process ${this.pid} runs in a terminal; send its input as pty input`);
    const stdin = this.child.stdin;
    if (!stdin) {
      throw new FailedPreconditionError(`process ${this.pid} was started without stdin; start it with stdin: true`);
    }
    if (stdin.writableEnded) throw new FailedPreconditionError(`stdin of process ${this.pid} is already closed`);
    return stdin;
  }

  private emit(output: ProcessOutput): void {
    // Nobody listening: the output is dropped (not queued), as envd does.
    const size = output.kind === 'end' ? 0 : output.data.byteLength;
    for (const subscriber of this.subscribers) subscriber.queue.push(output, size);
    if (output.kind !== 'end') this.applyBackpressure();
  }

  private unsubscribe(subscriber: Subscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    subscriber.queue.close();
    this.applyBackpressure();
  }

  private taken(subscriber: Subscriber): void {
    if (subscriber.queue.drained) subscriber.blockingSince = undefined;
    if (this.paused) this.applyBackpressure();
  }

  /** Pauses the pipes while any subscriber is full; reads again when all have drained. */
  private applyBackpressure(): void {
    const subscribers = [...this.subscribers];
    if (!this.paused && subscribers.some((subscriber) => subscriber.queue.full)) {
      this.paused = true;
      for (const flow of this.flows) flow.pause();
      this.stallCheck = setInterval(() => this.cutStalled(), Math.max(10, Math.min(1_000, this.limits.stallMs / 4)));
      this.stallCheck.unref();
    }
    if (!this.paused) return;
    const now = Date.now();
    for (const subscriber of subscribers) {
      if (!subscriber.queue.drained) subscriber.blockingSince ??= now;
    }
    if (subscribers.every((subscriber) => subscriber.queue.drained)) {
      this.paused = false;
      clearInterval(this.stallCheck);
      for (const flow of this.flows) flow.resume();
    }
  }

  /** Cuts subscribers that held the pipes too long while another one waits for output. */
  private cutStalled(): void {
    const now = Date.now();
    const stalled = [...this.subscribers].filter(
      (subscriber) => subscriber.blockingSince !== undefined && now - subscriber.blockingSince >= this.limits.stallMs,
    );
    if (stalled.length === 0 || stalled.length === this.subscribers.size) return;
    for (const subscriber of stalled) {
      this.subscribers.delete(subscriber);
      subscriber.queue.fail(
        new StreamTooSlowError(
          `output stream of process ${this.pid} cut: this client read more slowly than the process wrote and held ` +
            `other clients back for ${Math.round(this.limits.stallMs / 1000)} s; the process keeps running, reconnect to it to read on`,
        ),
      );
    }
    this.applyBackpressure();
  }
}

const GO_SIGNAL_TEXT: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGPIPE: 'broken pipe',
};

function endOf(code: number | null, signal: NodeJS.Signals | null): ProcessEnd {
  if (signal) {
    const status = `signal: ${GO_SIGNAL_TEXT[signal] ?? signal}`;
    return { exitCode: -1, exited: false, status, error: status };
  }
  const exitCode = code ?? -1;
  return { exitCode, exited: true, status: `exit status ${exitCode}` };
}

/** Maps envd's Signal enum numbers (15, 9) to Node signal names. */
export function signalName(signal: number): NodeJS.Signals | undefined {
  return (Object.entries(osConstants.signals) as [NodeJS.Signals, number][]).find(([, value]) => value === signal)?.[0];
}
