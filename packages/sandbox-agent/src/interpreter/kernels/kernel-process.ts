import type { KernelChild } from './kernel-child.js';
import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, Kernel, KernelLanguage, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { KernelMemory, type KernelMemoryEntry } from '../memory/kernel-memory.js';
import { KernelCrashLoopError, KernelDiedError, KernelEvictedError, KernelOutOfMemoryError, KernelStartError } from './kernel-errors.js';
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

/**
 * Waits before starting a kernel again after its 1st, 2nd and 3rd failure (death or failed start)
 * within `FAILURE_WINDOW_MS`; the next failure makes the context give up (`KernelCrashLoopError`).
 * The first retry is immediate, since one OOM kill or crash is normal; a kernel that keeps
 * failing costs the sandbox at most four starts a minute, and nothing restarts unasked.
 */
const RESTART_BACKOFF_MS = [0, 1_000, 4_000] as const;
const MAX_FAILURES = RESTART_BACKOFF_MS.length + 1;
const FAILURE_WINDOW_MS = 60_000;
/** How often a running execution samples its kernel's resident memory, for out-of-memory reports. */
const MEMORY_SAMPLE_MS = 500;
/**
 * After a bridge dies, how long its pipes may take to deliver what it wrote before dying: that
 * output belongs to the execution it cut short. Its process group is killed first, so nothing
 * else holds the pipes open for long.
 */
const DRAIN_AFTER_DEATH_MS = 500;
/** How long after a SIGKILL the cgroup's OOM-kill counter is given to catch up. */
const OOM_COUNT_SETTLE_MS = 100;

/** Used when the host brings no registry (kernels built directly in tests). */
const fallbackMemory = new KernelMemory();

interface Bridge {
  readonly child: KernelChild;
  readonly exited: Promise<void>;
  /** Every stdio pipe closed (after `exited`): all the bridge wrote has been read. */
  readonly closed: Promise<void>;
  /** The cgroup's OOM-kill count when it started: a later SIGKILL past it was the OOM killer. */
  readonly oomKillsAtStart: number | undefined;
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
 * handshake, one execution at a time, interrupts with a kill-and-restart fallback, deaths
 * reported at once with their cause (`KernelOutOfMemoryError` when the memory cgroup confirms the
 * OOM killer, else `KernelDiedError`), fresh starts on demand with backoff, giving up after
 * repeated failures (`KernelCrashLoopError`), and shutdown. How
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
  /** The previous bridge died while idle with state in it: the next execution fails with this, at once. */
  private idleDeath: KernelDiedError | undefined;
  /** Recent deaths and failed starts, oldest first, within `FAILURE_WINDOW_MS`. */
  private failures: number[] = [];
  /** Set once the kernel failed too often: executions fail fast until `restart()`. */
  private crashLoop: KernelCrashLoopError | undefined;
  private kernelLogger: Logger | undefined;
  private memoryEntry: KernelMemoryEntry | undefined;
  /** While a dead bridge's output is drained and its cause read (under a second). */
  private dying: Promise<void> | undefined;
  /** When the current bridge last finished an execution or became ready. */
  private lastActive = 0;
  /** Executions between their call and their end (also while they wait for a start): none may be cut by an eviction. */
  private executing = 0;

  constructor(
    protected readonly host: KernelHost,
    protected readonly options: KernelOptions,
    private readonly timings: KernelTimings,
  ) {}

  /** The bridge's program and arguments, run in the context's cwd with the kernel's environment. */
  protected abstract command(): { readonly cmd: string; readonly args: readonly string[] };
  /** How this kernel's bridge is talked to. */
  protected abstract wire(): KernelWire;

  /**
   * Starts the bridge process: `command()` through the launcher (uid 1000, no capabilities,
   * its own process group). Python forks it from its zygote instead when the host has one.
   */
  protected spawn(extraPipes: number): KernelChild | Promise<KernelChild> {
    const { cmd, args } = this.command();
    return this.host.launcher.launchPiped(this.host.user, {
      cmd,
      args,
      cwd: this.options.cwd,
      env: { ...this.options.env },
      extraPipes,
    });
  }

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
    this.executing += 1;
    try {
      return await this.executeNow(request, sink);
    } finally {
      this.executing -= 1;
    }
  }

  private async executeNow(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    this.shutDown = false;
    // A bridge that just died is still being drained and diagnosed: its verdict comes first.
    await this.dying;
    if (this.crashLoop) throw this.crashLoop;
    if (this.idleDeath) {
      // The state this code may rely on is gone: say so instead of running it on a fresh kernel
      // (where it would fail confusingly or, worse, half-succeed). The next call starts afresh.
      const death = this.idleDeath;
      this.idleDeath = undefined;
      throw death;
    }
    const bridge = await this.ready();
    if (this.running) throw new Error(`the ${this.language} kernel is already executing; executions must be serialised`);
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
    const memoryEntry = this.memory();
    this.memoryRegistry.startExecution(memoryEntry);
    const sampler = setInterval(() => this.memoryRegistry.sample(memoryEntry), MEMORY_SAMPLE_MS);
    sampler.unref();
    try {
      return await outcome;
    } finally {
      this.lastActive = Date.now();
      clearInterval(sampler);
      this.memoryRegistry.sample(memoryEntry);
      clearTimeout(grace);
      request.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Counts an execution that ended before reaching the bridge (e.g. a syntax error found early). */
  protected countRejectedExecution(): ExecuteOutcome {
    this.executionCount += 1;
    return { executionCount: this.executionCount };
  }

  /**
   * Clears the state: the process is stopped and a fresh one starts with the next execution (not
   * here, so restarts cannot pile up kernels: a context holds memory only while it is used). It
   * also clears a crash loop: the caller asked to try again.
   */
  async restart(): Promise<void> {
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (bridge) await this.stop(bridge);
    this.failRunning(bridge, new KernelDiedError(this.language, 'was restarted during this execution'));
    this.executionCount = 0;
    this.idleDeath = undefined;
    this.failures = [];
    this.crashLoop = undefined;
    this.shutDown = false;
  }

  idleSince(): number | undefined {
    return this.bridge && this.executing === 0 && !this.running && !this.starting && !this.dying ? this.lastActive : undefined;
  }

  /**
   * Replaces `child`'s bridge with a fresh one if it is still the current bridge and has run
   * nothing: Python's default kernel, forked before the zygote loaded the data stack, is forked
   * again once it has, so that it shares pandas and matplotlib too. Invisible to callers (no
   * state is lost; an execution arriving meanwhile waits for the new bridge).
   */
  async replaceIfUnused(child: KernelChild): Promise<void> {
    const bridge = this.bridge;
    if (!bridge || bridge.child !== child || this.executionCount > 0 || this.idleSince() === undefined || this.shutDown) return;
    this.logger.info('replacing an unused kernel with a fresh one');
    await this.stop(bridge);
    await this.ready().catch(() => undefined);
  }

  async evict(why: string): Promise<boolean> {
    const bridge = this.bridge;
    if (!bridge || this.idleSince() === undefined) return false;
    this.logger.warn({ why }, 'kernel evicted while idle to free memory');
    // Set before stopping, so an execution arriving meanwhile already gets the note. Only state
    // can be lost: a kernel that never ran code restarts unnoticed.
    if (this.executionCount > 0) this.idleDeath = new KernelEvictedError(this.language, this.label, why);
    this.executionCount = 0;
    await this.stop(bridge);
    return true;
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (bridge) await this.stop(bridge);
    this.failRunning(bridge, new KernelDiedError(this.language, 'was shut down during this execution'));
    if (this.memoryEntry) this.memoryRegistry.unregister(this.memoryEntry);
  }

  /** How this kernel is named in memory reports: `python context <id>`. */
  private get label(): string {
    return `${this.language} context ${this.options.contextId ?? 'default'}`;
  }

  private get memoryRegistry(): KernelMemory {
    return this.host.memory ?? fallbackMemory;
  }

  private memory(): KernelMemoryEntry {
    if (!this.memoryEntry) {
      const entry: KernelMemoryEntry = { label: this.label, pid: () => this.bridge?.child.pid };
      this.memoryEntry = entry;
    }
    this.memoryRegistry.register(this.memoryEntry);
    return this.memoryEntry;
  }

  private ready(): Promise<Bridge> {
    if (this.crashLoop) return Promise.reject(this.crashLoop);
    if (this.bridge) return Promise.resolve(this.bridge);
    this.starting ??= this.launchAfterBackoff().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Starts the bridge, first waiting out the backoff its recent failures call for. */
  private async launchAfterBackoff(): Promise<Bridge> {
    const recent = this.recentFailures();
    const delay = recent === 0 ? 0 : RESTART_BACKOFF_MS[Math.min(recent, RESTART_BACKOFF_MS.length) - 1] ?? 0;
    if (delay > 0) {
      this.logger.info({ delayMs: delay, failures: recent }, 'kernel failed recently; waiting before starting it again');
      await sleep(delay);
    }
    if (this.crashLoop) throw this.crashLoop;
    try {
      return await this.launch();
    } catch (error) {
      if (this.shutDown) throw error;
      this.recordFailure((error as Error).message);
      throw this.crashLoop ?? error;
    }
  }

  private recentFailures(now = Date.now()): number {
    this.failures = this.failures.filter((at) => now - at < FAILURE_WINDOW_MS);
    return this.failures.length;
  }

  /** Counts a death or failed start; the `MAX_FAILURES`th within the window makes the context give up. */
  private recordFailure(reason: string): void {
    const count = this.recentFailures() + 1;
    this.failures.push(Date.now());
    if (count >= MAX_FAILURES && !this.crashLoop) {
      this.crashLoop = new KernelCrashLoopError(this.language, count, FAILURE_WINDOW_MS, reason);
      this.logger.error({ failures: count, reason }, 'kernel keeps failing; the context stops starting it until it is restarted');
    }
  }

  private async launch(): Promise<Bridge> {
    const { cmd } = this.command();
    const wire = this.wire();
    const child = await this.spawn(wire.extraPipes);
    // A bridge that died before reading its stdin must not crash the agent with EPIPE.
    child.stdin?.on('error', () => undefined);
    const bridge: Bridge = {
      child,
      closed: once(child, 'close').then(
        () => undefined,
        () => undefined,
      ),
      oomKillsAtStart: this.memoryRegistry.oomKills(),
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
        const failed = new KernelStartError(this.language, `it ${exitText(code, signal)}: ${bridge.stderrTail.trim() || 'no output'}`);
        // Once ready, the death is `onExit`'s to explain (and its OOM kill to claim).
        if (signal !== 'SIGKILL' || this.bridge === bridge) reject(failed);
        else void this.oomErrorAfterKill(bridge, 'while starting').then((oom) => reject(oom ?? failed));
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
    this.lastActive = Date.now();
    this.memoryRegistry.resetSample(this.memory());
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

  /**
   * A bridge that was ready ended on its own. The execution it was running fails at once with
   * the cause (after the output it wrote before dying); an idle death with state in it is told
   * to the next execution. Nothing is restarted here: the next execution starts a fresh kernel
   * (after a backoff when it keeps failing), so no sequence of deaths can become a restart loop.
   */
  private onExit(bridge: Bridge, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.bridge !== bridge || bridge.stopping) return;
    const dying = this.handleDeath(bridge, code, signal).finally(() => {
      if (this.dying === dying) this.dying = undefined;
    });
    this.dying = dying;
  }

  private async handleDeath(bridge: Bridge, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    // What its code started dies with it, and what it wrote before dying still reaches the caller.
    signalGroup(bridge.child, 'SIGKILL');
    await Promise.race([bridge.closed, sleep(DRAIN_AFTER_DEATH_MS)]);
    // A restart or shutdown meanwhile has stopped it and failed its execution itself.
    if (this.bridge !== bridge) return;
    const running = this.running;
    const when = running ? 'during this execution' : 'while idle';
    const error =
      (signal === 'SIGKILL' ? await this.oomErrorAfterKill(bridge, when) : undefined) ??
      new KernelDiedError(this.language, `died ${when} (${exitText(code, signal)}${signal === 'SIGKILL' ? killedText(bridge) : ''})`);
    if (this.bridge !== bridge) return;
    this.logger.warn(
      { code, signal, error: error.name, oomKills: { atStart: bridge.oomKillsAtStart, now: this.memoryRegistry.oomKills() }, stderr: bridge.stderrTail.slice(-500) },
      'kernel died',
    );
    this.recordFailure(error.reason);
    await this.stop(bridge);
    const hadState = this.executionCount > 0;
    this.executionCount = 0;
    if (running && this.running === running) this.failRunning(bridge, error);
    else if (hadState) this.idleDeath = error;
  }

  /**
   * The out-of-memory error for a bridge killed by SIGKILL, when the cgroup confirms the OOM
   * killer did it. The kernel counts the kill just after sending the signal, so an exit seen at
   * once may be ahead of the counter: it is read again after a moment.
   */
  private async oomErrorAfterKill(bridge: Bridge, when: 'during this execution' | 'while idle' | 'while starting'): Promise<KernelOutOfMemoryError | undefined> {
    const entry = this.memory();
    const verdict = this.memoryRegistry.oomVerdict(entry, bridge.oomKillsAtStart) ?? (await sleep(OOM_COUNT_SETTLE_MS), this.memoryRegistry.oomVerdict(entry, bridge.oomKillsAtStart));
    return verdict && new KernelOutOfMemoryError(this.language, this.label, verdict, when);
  }

  /** Replaces a stuck bridge (it ignored an interrupt) and fails the execution it was running. */
  private async recover(bridge: Bridge, reason: string): Promise<void> {
    const running = this.running;
    await this.stop(bridge);
    this.executionCount = 0;
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
    // The whole group, even when the bridge itself is gone: what its code started must not outlive it.
    signalGroup(bridge.child, 'SIGKILL');
    await bridge.exited;
    for (const stream of bridge.child.stdio) stream?.destroy();
  }
}

/** Why a SIGKILL that the OOM killer did not send happened, as far as the agent can tell. */
function killedText(bridge: Bridge): string {
  return bridge.oomKillsAtStart === undefined
    ? ', possibly by the out-of-memory killer: the sandbox\'s memory cgroup cannot be read to tell'
    : ', not by the out-of-memory killer: something in the sandbox killed it';
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}
