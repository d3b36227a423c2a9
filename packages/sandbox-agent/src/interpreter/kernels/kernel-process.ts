import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from 'pino';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, Kernel, KernelLanguage, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { KernelDiedError, KernelStartError } from './kernel-errors.js';
import type { BridgeConnection, BridgeEvents, KernelWire } from './kernel-wire.js';
import { signalGroup } from './process-group.js';

/** How long a kernel's bridge may take to start and to honour an interrupt. */
export interface KernelTimings {
  readonly startTimeoutMs: number;
  /** After an interrupt, how long the code may take to stop before the kernel is restarted. */
  readonly interruptGraceMs: number;
}

/** Kept from a bridge's stderr, to explain a failed start or a death in the log. */
const STDERR_TAIL_CHARS = 2_000;

interface Bridge {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  connection?: BridgeConnection;
  /** Set when this class ends the process, so the exit is not taken for a crash. */
  stopping: boolean;
  stderrTail: string;
}

interface Running {
  readonly id: number;
  readonly sink: ExecutionSink;
  readonly resolve: (outcome: ExecuteOutcome) => void;
  readonly reject: (error: Error) => void;
}

/**
 * A kernel that is one bridge process per context, started through the agent's launcher (uid
 * 1000, no capabilities, io_uring denied). This class owns the process: start with a readiness
 * handshake, one execution at a time, interrupts with a kill-and-restart fallback, a restart
 * after a death (failing the execution it cut short with `KernelDiedError`), and shutdown. How
 * requests, output and replies travel is the subclass's `wire()`; what the code means is the
 * bridge's.
 */
export abstract class KernelProcess implements Kernel {
  abstract readonly language: KernelLanguage;
  private bridge: Bridge | undefined;
  private starting: Promise<Bridge> | undefined;
  private running: Running | undefined;
  private nextId = 1;
  /**
   * Executions since the kernel's state began, for bridges that do not count their own; it
   * includes executions refused before reaching a bridge, so only a lost state resets it.
   */
  private executionCount = 0;
  private shutDown = false;
  /** Why the previous bridge died while idle; told to the next execution, whose state is gone. */
  private lostState: string | undefined;
  private kernelLogger: Logger | undefined;

  constructor(
    protected readonly host: KernelHost,
    protected readonly options: KernelOptions,
    private readonly timings: KernelTimings,
  ) {}

  /** The bridge's program and arguments, run in the context's cwd with the kernel's environment. */
  protected abstract command(): { readonly cmd: string; readonly args: readonly string[] };
  /** How this kernel's bridge is talked to. */
  protected abstract wire(): KernelWire;

  /** The bridge's pid while it runs (for measuring its memory). */
  get pid(): number | undefined {
    return this.bridge?.child.pid;
  }

  /** Made on first use: `language` is set by the subclass, after this constructor ran. */
  private get logger(): Logger {
    this.kernelLogger ??= this.host.logger.child({ kernel: this.language });
    return this.kernelLogger;
  }

  async start(): Promise<void> {
    this.shutDown = false;
    await this.ready();
  }

  /** Runs one execution. The caller serialises executions; this only guards against misuse. */
  async execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    this.shutDown = false;
    const bridge = await this.ready();
    if (this.running) throw new Error(`the ${this.language} kernel is already executing; executions must be serialised`);
    if (this.lostState) {
      sink.stderr(`[codebox] the ${this.language} kernel ${this.lostState} while idle and was restarted; earlier state is lost\n`);
      this.lostState = undefined;
    }
    const id = this.nextId++;
    // Counted up front, as Jupyter counts cells that fail too.
    this.executionCount += 1;
    const outcome = new Promise<ExecuteOutcome>((resolve, reject) => {
      this.running = { id, sink, resolve, reject };
    });
    bridge.connection?.execute(id, request);

    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (this.bridge !== bridge || this.running?.id !== id) return;
      bridge.connection?.interrupt(id);
      grace = setTimeout(() => {
        if (this.running?.id !== id) return;
        this.logger.warn({ id }, 'kernel ignored an interrupt; restarting it');
        void this.recover(bridge, `did not stop within ${this.timings.interruptGraceMs / 1000} s of an interrupt`);
      }, this.timings.interruptGraceMs);
    };
    if (request.signal.aborted) onAbort();
    else request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await outcome;
    } finally {
      clearTimeout(grace);
      request.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Counts an execution that ended before reaching the bridge (e.g. a syntax error found early). */
  protected countRejectedExecution(): ExecuteOutcome {
    this.executionCount += 1;
    return { executionCount: this.executionCount };
  }

  async restart(): Promise<void> {
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (bridge) await this.stop(bridge);
    this.failRunning(bridge, new KernelDiedError(this.language, 'was restarted during this execution'));
    this.executionCount = 0;
    this.lostState = undefined;
    this.shutDown = false;
    await this.ready();
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (bridge) await this.stop(bridge);
    this.failRunning(bridge, new KernelDiedError(this.language, 'was shut down during this execution'));
  }

  private ready(): Promise<Bridge> {
    if (this.bridge) return Promise.resolve(this.bridge);
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<Bridge> {
    const { cmd, args } = this.command();
    const wire = this.wire();
    const child = this.host.launcher.launchPiped(this.host.user, {
      cmd,
      args,
      cwd: this.options.cwd,
      env: { ...this.options.env },
      extraPipes: wire.extraPipes,
    });
    // A bridge that died before reading its stdin must not crash the agent with EPIPE.
    child.stdin?.on('error', () => undefined);
    const bridge: Bridge = {
      child,
      // 'error' without 'exit' happens when the command cannot be spawned at all.
      exited: Promise.race([once(child, 'exit'), once(child, 'error')]).then(
        () => undefined,
        () => undefined,
      ),
      stopping: false,
      stderrTail: '',
    };
    const stderrDecoder = new StringDecoder('utf8');
    child.stderr?.on('data', (chunk: Buffer) => {
      bridge.stderrTail = (bridge.stderrTail + stderrDecoder.write(chunk)).slice(-STDERR_TAIL_CHARS);
    });

    const readyEvent = new Promise<void>((resolve, reject) => {
      bridge.connection = wire.connect(child, this.eventsOf(bridge, resolve));
      child.once('error', (error) => reject(new KernelStartError(this.language, `cannot run '${cmd}': ${error.message}`)));
      child.once('exit', (code, signal) => {
        reject(new KernelStartError(this.language, `it ${exitText(code, signal)}: ${bridge.stderrTail.trim() || 'no output'}`));
        this.onExit(bridge, code, signal);
      });
    });

    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new KernelStartError(this.language, `not ready after ${this.timings.startTimeoutMs / 1000} s: ${bridge.stderrTail.trim() || 'no output'}`)),
        this.timings.startTimeoutMs,
      );
    });
    try {
      await Promise.race([readyEvent, timeout]);
    } catch (error) {
      await this.stop(bridge);
      throw error;
    } finally {
      clearTimeout(timer);
    }
    this.bridge = bridge;
    this.logger.info({ pid: child.pid, ms: Date.now() - started }, 'kernel started');
    return bridge;
  }

  /** The wire's view of this kernel, answering only for `bridge` while it is the current one. */
  private eventsOf(bridge: Bridge, ready: () => void): BridgeEvents {
    const runningOn = (id?: number): Running | undefined =>
      this.bridge === bridge && (id === undefined || this.running?.id === id) ? this.running : undefined;
    return {
      logger: this.logger,
      ready,
      sink: () => runningOn()?.sink,
      finished: (id, executionCount) => {
        const running = runningOn(id);
        if (!running) return;
        this.running = undefined;
        running.resolve({ executionCount: executionCount ?? this.executionCount });
      },
      failed: (id, error) => {
        if (runningOn(id)) this.failRunning(undefined, error);
      },
    };
  }

  private onExit(bridge: Bridge, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.bridge !== bridge || bridge.stopping) return;
    this.bridge = undefined;
    const reason = `died (${exitText(code, signal)}${signal === 'SIGKILL' ? ', likely out of memory' : ''})`;
    this.logger.warn({ code, signal, stderr: bridge.stderrTail.slice(-500) }, 'kernel died');
    if (!this.running) this.lostState = reason;
    void this.recover(bridge, reason);
  }

  /** Replaces a dead or stuck bridge, then fails the execution it was running. */
  private async recover(bridge: Bridge, reason: string): Promise<void> {
    const running = this.running;
    await this.stop(bridge);
    this.executionCount = 0;
    if (!this.shutDown) {
      await this.ready().catch((error: unknown) => this.logger.error({ err: error }, 'kernel did not restart'));
    }
    if (running && this.running === running) this.failRunning(bridge, new KernelDiedError(this.language, reason));
  }

  /** Fails the running execution, first passing on what output `bridge` still held for it. */
  private failRunning(bridge: Bridge | undefined, error: Error): void {
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    bridge?.connection?.flush?.(running.sink);
    running.reject(error);
  }

  private async stop(bridge: Bridge): Promise<void> {
    bridge.stopping = true;
    if (this.bridge === bridge) this.bridge = undefined;
    if (bridge.child.exitCode === null && bridge.child.signalCode === null) signalGroup(bridge.child, 'SIGKILL');
    await bridge.exited;
    for (const stream of bridge.child.stdio) stream?.destroy();
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}
