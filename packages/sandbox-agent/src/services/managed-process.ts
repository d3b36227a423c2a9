import type { ChildProcess } from 'node:child_process';
import { EventEmitter, on } from 'node:events';
import { constants as osConstants } from 'node:os';
import { FailedPreconditionError } from '../errors.js';

/** What a process stream carries besides `start`/`keepalive`: output and the single end. */
export type ProcessOutput =
  | { readonly kind: 'stdout'; readonly data: Uint8Array }
  | { readonly kind: 'stderr'; readonly data: Uint8Array }
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
}

/**
 * One running user process. Output is not buffered for late subscribers (envd does not
 * replay either): a stream sees what is produced after it subscribed.
 */
export class ManagedProcess {
  readonly pid: number;
  private readonly emitter = new EventEmitter();
  private ended: ProcessEnd | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private deadlineHit = false;

  constructor(
    private readonly child: ChildProcess,
    readonly spec: ProcessSpec,
  ) {
    if (child.pid === undefined) throw new Error('ManagedProcess needs a spawned child with a pid');
    this.pid = child.pid;
    // Many concurrent attaches are legitimate (SDK connect() per handle).
    this.emitter.setMaxListeners(0);
    child.stdout?.on('data', (data: Buffer) => this.emit({ kind: 'stdout', data }));
    child.stderr?.on('data', (data: Buffer) => this.emit({ kind: 'stderr', data }));
    // A process that exits before reading its stdin must not crash the agent with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.once('close', (code, signal) => {
      clearTimeout(this.deadline);
      this.ended = endOf(code, signal);
      this.emit({ kind: 'end', end: this.ended });
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
    const raw = on(this.emitter, 'output', { signal });
    return (async function* () {
      try {
        for await (const [output] of raw) {
          yield output as ProcessOutput;
          if ((output as ProcessOutput).kind === 'end') return;
        }
      } catch (error) {
        if (!signal.aborted) throw error;
      }
    })();
  }

  writeStdin(data: Uint8Array): void {
    const stdin = this.requireStdin();
    stdin.write(data);
  }

  closeStdin(): void {
    this.requireStdin().end();
  }

  /** Signals the whole process group, so children the command started go too. */
  signal(signal: NodeJS.Signals): void {
    if (this.ended) return;
    try {
      process.kill(-this.pid, signal);
    } catch (error) {
      // ESRCH: the group is already gone; the close event is on its way.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }

  private requireStdin(): NonNullable<ChildProcess['stdin']> {
    const stdin = this.child.stdin;
    if (!stdin) {
      throw new FailedPreconditionError(`process ${this.pid} was started without stdin; start it with stdin: true`);
    }
    if (stdin.writableEnded) throw new FailedPreconditionError(`stdin of process ${this.pid} is already closed`);
    return stdin;
  }

  private emit(output: ProcessOutput): void {
    this.emitter.emit('output', output);
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
