import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';
import type { Duplex } from 'node:stream';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, Kernel, KernelLanguage, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { OutputFence } from '../output-fence.js';
import { KernelDiedError, KernelStartError } from './kernel-errors.js';

/** A JSON line a bridge writes on fd 3: `{"type":"ready"}` once, `{"type":"done","nonce",…}` per cell. */
export interface BridgeMessage {
  readonly type: string;
  readonly nonce?: string;
  readonly [field: string]: unknown;
}

/** How long a bridge may take to say `ready`. */
const START_TIMEOUT_MS = 15_000;
/** How long an interrupted cell may take to stop before its kernel is killed and restarted. */
export const INTERRUPT_GRACE_MS = 2_000;
/** Kept from a bridge's stderr while it starts, to explain a failed start. */
const START_STDERR_LIMIT = 4_096;

interface Cell {
  readonly nonce: string;
  readonly sink: ExecutionSink;
  readonly stdout: { fence: OutputFence; text: StringDecoder };
  readonly stderr: { fence: OutputFence; text: StringDecoder };
  done?: BridgeMessage;
  resolve(): void;
  reject(error: Error): void;
}

interface Bridge {
  readonly child: ChildProcess;
  readonly channel: Duplex;
  readonly exited: Promise<void>;
  exitReason?: string;
}

/**
 * A kernel that is one bridge process per context, started through the agent's launcher (uid
 * 1000, no capabilities, io_uring denied). The bridge runs cells in-process and keeps their
 * state; it takes requests and sends replies on fd 3, while user code writes straight to its
 * stdout and stderr, which are also what subprocesses inherit, so every line streams as printed.
 *
 * Ordering between fd 3 and the output pipes is restored with a fence: after a cell the bridge
 * writes `\0codebox:<nonce>\0` on stdout and stderr, and the cell ends only when the `done`
 * reply and both fences have arrived.
 */
export abstract class FencedBridgeKernel implements Kernel {
  abstract readonly language: KernelLanguage;
  private bridge: Bridge | undefined;
  private starting: Promise<Bridge> | undefined;
  private cell: Cell | undefined;
  private executionCount = 0;
  /** Why the previous bridge died while idle; told to the next caller, whose state is gone. */
  private lostState: string | undefined;
  private stopping = false;

  constructor(
    protected readonly host: KernelHost,
    protected readonly options: KernelOptions,
  ) {}

  /** The bridge's program and arguments. */
  protected abstract command(): { readonly cmd: string; readonly args: readonly string[] };
  /** The bytes on fd 3 that ask the bridge to run a cell. */
  protected abstract encodeRequest(nonce: string, code: string, envVars: Readonly<Record<string, string>>): Buffer;
  /** Reports a `done` reply's results and error into the sink. */
  protected abstract reportDone(message: BridgeMessage, sink: ExecutionSink): void;

  async start(): Promise<void> {
    this.stopping = false;
    await this.ensureBridge();
  }

  /**
   * Runs one cell. The caller serialises executions; this only guards against misuse. Counts
   * the execution (as Jupyter does, also for cells that fail).
   */
  async execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    if (this.cell) throw new Error(`${this.language} kernel is already running a cell; executions must be serialised`);
    this.stopping = false;
    const bridge = await this.ensureBridge();
    if (this.lostState) {
      sink.stderr(`[codebox] the ${this.language} kernel ${this.lostState} while idle and was restarted; earlier state is lost\n`);
      this.lostState = undefined;
    }
    this.executionCount += 1;
    await this.runCell(bridge, request.code, request, sink);
    return { executionCount: this.executionCount };
  }

  /** Counts an execution that ended before reaching the bridge (e.g. a syntax error found early). */
  protected countRejectedExecution(): ExecuteOutcome {
    this.executionCount += 1;
    return { executionCount: this.executionCount };
  }

  async restart(): Promise<void> {
    await this.stop('was restarted');
    this.executionCount = 0;
    this.lostState = undefined;
    this.stopping = false;
    await this.ensureBridge();
  }

  async shutdown(): Promise<void> {
    await this.stop('was shut down');
  }

  private async stop(why: string): Promise<void> {
    this.stopping = true;
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (!bridge) return;
    bridge.exitReason = why;
    this.killGroup(bridge, 'SIGKILL');
    await bridge.exited;
  }

  private ensureBridge(): Promise<Bridge> {
    if (this.bridge) return Promise.resolve(this.bridge);
    this.starting ??= this.spawnBridge().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private spawnBridge(): Promise<Bridge> {
    const { cmd, args } = this.command();
    const child = this.host.launcher.launchPiped(this.host.user, {
      cmd,
      args,
      cwd: this.options.cwd,
      env: { ...this.options.env },
      extraPipes: 1,
    });
    const channel = child.stdio[3] as Duplex | null | undefined;
    if (child.pid === undefined || !channel) {
      child.on('error', () => undefined);
      return Promise.reject(
        new KernelStartError(this.language, `could not run '${cmd}' in '${this.options.cwd}': the program, that directory or the sandbox-exec helper is missing`),
      );
    }
    // User code reads stdin at EOF: the kernel's requests come on fd 3, never from stdin.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end();
    channel.on('error', () => undefined);
    const pid = child.pid;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const bridge: Bridge = { child, channel, exited };
    let startupError = '';

    return new Promise<Bridge>((resolve, reject) => {
      let ready = false;
      const failStart = (why: string): void => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        this.killGroup(bridge, 'SIGKILL');
        const detail = startupError.trim() ? `: ${startupError.trim().slice(-START_STDERR_LIMIT)}` : '';
        reject(new KernelStartError(this.language, `it ${why} before it was ready${detail}`));
      };
      const timer = setTimeout(() => failStart(`did not start within ${START_TIMEOUT_MS / 1000} s`), START_TIMEOUT_MS);

      createInterface({ input: channel, crlfDelay: Infinity }).on('line', (line) => {
        const message = parseMessage(line);
        if (!message) {
          this.host.logger.warn({ language: this.language, line: line.slice(0, 200) }, 'kernel bridge sent a line that is not a message');
        } else if (message.type === 'ready' && !ready) {
          ready = true;
          clearTimeout(timer);
          this.bridge = bridge;
          this.host.logger.info({ language: this.language, pid }, 'kernel started');
          resolve(bridge);
        } else if (message.type === 'done' && this.bridge === bridge) {
          this.onDone(message);
        }
      });
      // Only the current bridge's output counts: a dead one's last bytes must not reach the
      // cell that runs on its replacement.
      child.stdout?.on('data', (chunk: Buffer) => {
        if (this.bridge === bridge) this.onOutput('stdout', chunk);
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        if (!ready && startupError.length < START_STDERR_LIMIT) startupError += chunk.toString();
        if (this.bridge === bridge) this.onOutput('stderr', chunk);
      });
      child.once('exit', (code, signal) => {
        const reason = bridge.exitReason ?? exitReason(code, signal);
        failStart(reason);
        this.onExit(bridge, reason);
      });
    });
  }

  private runCell(bridge: Bridge, code: string, request: ExecuteRequest, sink: ExecutionSink): Promise<void> {
    const nonce = randomBytes(12).toString('hex');
    const fence = Buffer.from(`\0codebox:${nonce}\0`);
    return new Promise<void>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        // Finished already (its output still arriving): an interrupt now would hit the next cell.
        if (this.cell?.nonce === nonce && this.cell.done) return;
        this.killGroup(bridge, 'SIGINT');
        graceTimer = setTimeout(() => {
          bridge.exitReason = `did not stop within ${INTERRUPT_GRACE_MS / 1000} s of being interrupted`;
          this.killGroup(bridge, 'SIGKILL');
        }, INTERRUPT_GRACE_MS);
      };
      const settle = (): void => {
        clearTimeout(graceTimer);
        request.signal.removeEventListener('abort', onAbort);
        this.cell = undefined;
      };
      this.cell = {
        nonce,
        sink,
        stdout: { fence: new OutputFence(fence), text: new StringDecoder('utf8') },
        stderr: { fence: new OutputFence(fence), text: new StringDecoder('utf8') },
        resolve: () => {
          settle();
          resolve();
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      bridge.channel.write(this.encodeRequest(nonce, code, request.envVars));
      if (request.signal.aborted) onAbort();
      else request.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private onOutput(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const cell = this.cell;
    if (!cell) return; // Output between cells (background jobs) belongs to no execution.
    const { fence, text } = cell[stream];
    if (fence.reached) return;
    const output = text.write(fence.push(chunk));
    if (output) cell.sink[stream](output);
    if (fence.reached) {
      const rest = text.end();
      if (rest) cell.sink[stream](rest);
      this.finishIfComplete(cell);
    }
  }

  private onDone(message: BridgeMessage): void {
    const cell = this.cell;
    if (!cell || message.nonce !== cell.nonce) return;
    cell.done = message;
    this.finishIfComplete(cell);
  }

  private finishIfComplete(cell: Cell): void {
    if (!cell.done || !cell.stdout.fence.reached || !cell.stderr.fence.reached) return;
    try {
      this.reportDone(cell.done, cell.sink);
      cell.resolve();
    } catch (error) {
      cell.reject(error as Error);
    }
  }

  private onExit(bridge: Bridge, reason: string): void {
    if (this.bridge !== bridge) return;
    this.bridge = undefined;
    this.host.logger.info({ language: this.language, pid: bridge.child.pid, reason }, 'kernel exited');
    const cell = this.cell;
    if (!cell) {
      if (!this.stopping) this.lostState = reason;
      return;
    }
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = cell[stream].text.end(cell[stream].fence.drain());
      if (rest) cell.sink[stream](rest);
    }
    if (this.stopping) {
      cell.reject(new KernelDiedError(this.language, `${reason} during this execution`));
      return;
    }
    // Restart now, so the caller's error can say the kernel is usable again.
    this.executionCount = 0;
    const died = new KernelDiedError(this.language, `${reason} during this execution`);
    this.ensureBridge().then(
      () => cell.reject(died),
      (error: unknown) => {
        // Not usable again yet: the next execution tries another start and reports why it fails.
        this.host.logger.error({ err: error, language: this.language }, 'kernel restart after a crash failed');
        cell.reject(died);
      },
    );
  }

  private killGroup(bridge: Bridge, signal: NodeJS.Signals): void {
    const pid = bridge.child.pid;
    if (pid === undefined || bridge.child.exitCode !== null || bridge.child.signalCode !== null) return;
    try {
      process.kill(-pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}

function parseMessage(line: string): BridgeMessage | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string') return value as BridgeMessage;
  } catch {
    // Not JSON: reported by the caller.
  }
  return undefined;
}

function exitReason(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGKILL') return 'was killed (SIGKILL; out of memory?)';
  if (signal) return `was killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}
