import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from 'pino';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, Kernel, KernelLanguage, KernelOptions, MimeBundle } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { BridgeChannel } from './bridge-channel.js';
import { KernelDiedError, KernelStartError } from './kernel-errors.js';

/** How one language's event bridge is started and interrupted. */
export interface BridgeSpec {
  readonly language: KernelLanguage;
  /** The bridge program, run in the context's cwd with the kernel's environment. */
  readonly command: { readonly cmd: string; readonly args: readonly string[] };
  /**
   * Where events arrive: `fd3` when the bridge keeps fd 1/2 for the program (Python redirects
   * them into pipes it drains itself), `stdout` when events share fd 1 with plain output.
   */
  readonly channel: 'fd3' | 'stdout';
  /**
   * `command`: the bridge stops the running code when told on stdin (it knows which execution
   * runs, so a late interrupt cannot hit the next one). `signal`: SIGINT to the process group.
   */
  readonly interrupt: 'command' | 'signal';
  readonly startTimeoutMs: number;
}

/** After an interrupt, how long the code may take to stop before the kernel is restarted. */
const INTERRUPT_GRACE_MS = 3_000;
const STDERR_TAIL_CHARS = 2_000;

interface Running {
  readonly id: number;
  readonly sink: ExecutionSink;
  readonly resolve: (outcome: ExecuteOutcome) => void;
  readonly reject: (error: Error) => void;
}

interface Bridge {
  readonly child: ChildProcess;
  readonly stdin: Writable;
  readonly exited: Promise<void>;
  /** Set when this class ends the process, so the exit is not taken for a crash. */
  stopping: boolean;
  stderrTail: string;
}

/**
 * A kernel behind an event bridge: commands go to its stdin as JSON lines
 * (`{"type":"execute","id","code","env"}`, `{"type":"interrupt","id"}`); its channel carries
 * events in the order they happen (`ready`, `stdout`, `stderr`, `result`, `error`, `done`; see
 * `BridgeChannel`), so `display()` output and plots keep their place between printed lines.
 * The bridge owns the language's semantics; this class owns the process: start, one execution
 * at a time, interrupts, and a restart after a death.
 */
export class BridgeKernel implements Kernel {
  readonly language: KernelLanguage;
  private readonly logger: Logger;
  private bridge: Bridge | undefined;
  private starting: Promise<Bridge> | undefined;
  private running: Running | undefined;
  private nextId = 1;
  private shutDown = false;
  /** Why the previous bridge died while idle; told to the next execution, whose state is gone. */
  private lostState: string | undefined;

  constructor(
    private readonly spec: BridgeSpec,
    private readonly host: KernelHost,
    private readonly options: KernelOptions,
  ) {
    this.language = spec.language;
    this.logger = host.logger.child({ kernel: spec.language });
  }

  async start(): Promise<void> {
    this.shutDown = false;
    await this.ready();
  }

  async execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    this.shutDown = false;
    const bridge = await this.ready();
    if (this.running) throw new Error(`the ${this.language} kernel is already executing; executions must be serialised`);
    if (this.lostState) {
      sink.stderr(`[codebox] the ${this.language} kernel ${this.lostState} while idle and was restarted; earlier state is lost\n`);
      this.lostState = undefined;
    }
    const id = this.nextId++;
    const outcome = new Promise<ExecuteOutcome>((resolve, reject) => {
      this.running = { id, sink, resolve, reject };
    });
    bridge.stdin.write(`${JSON.stringify({ type: 'execute', id, code: request.code, env: request.envVars })}\n`);

    let grace: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      this.interrupt(bridge, id);
      grace = setTimeout(() => {
        if (this.running?.id !== id) return;
        this.logger.warn({ id }, 'kernel ignored an interrupt; restarting it');
        void this.recover(bridge, `did not stop within ${INTERRUPT_GRACE_MS / 1000} s of an interrupt`);
      }, INTERRUPT_GRACE_MS);
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

  async restart(): Promise<void> {
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (bridge) await this.stop(bridge);
    this.failRunning(new KernelDiedError(this.language, 'was restarted during this execution'));
    this.lostState = undefined;
    this.shutDown = false;
    await this.ready();
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
    const bridge = this.bridge ?? (await this.starting?.catch(() => undefined));
    if (bridge) await this.stop(bridge);
    this.failRunning(new KernelDiedError(this.language, 'was shut down during this execution'));
  }

  /** The bridge's pid while it runs (for measuring its memory). */
  get pid(): number | undefined {
    return this.bridge?.child.pid;
  }

  private ready(): Promise<Bridge> {
    if (this.bridge) return Promise.resolve(this.bridge);
    this.starting ??= this.launch().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async launch(): Promise<Bridge> {
    const { cmd, args } = this.spec.command;
    const child = this.host.launcher.launchPiped(this.host.user, {
      cmd,
      args,
      cwd: this.options.cwd,
      env: { ...this.options.env },
      extraPipes: this.spec.channel === 'fd3' ? 1 : 0,
    });
    const { stdin, stdout, stderr } = child;
    const channelStream = this.spec.channel === 'fd3' ? (child.stdio[3] as Readable | null | undefined) : stdout;
    if (!stdin || !stdout || !stderr || !channelStream) throw new Error('kernel bridge was spawned without its pipes');
    // A bridge that died before reading its stdin must not crash the agent with EPIPE.
    stdin.on('error', () => undefined);

    const bridge: Bridge = {
      child,
      stdin,
      // 'error' without 'exit' happens when the command cannot be spawned at all.
      exited: Promise.race([once(child, 'exit'), once(child, 'error')]).then(
        () => undefined,
        () => undefined,
      ),
      stopping: false,
      stderrTail: '',
    };

    const readyEvent = new Promise<void>((resolve, reject) => {
      const channel = new BridgeChannel({
        text: (text) => this.route(bridge, 'stdout', text),
        event: (event) => {
          if (event.type === 'ready') resolve();
          else this.onEvent(bridge, event);
        },
        malformed: (line) => this.logger.error({ line: line.slice(0, 500) }, 'kernel bridge sent a malformed event'),
      });
      channelStream.on('data', (chunk: Buffer) => channel.push(chunk));
      if (this.spec.channel === 'fd3') {
        const decoder = new StringDecoder('utf8');
        stdout.on('data', (chunk: Buffer) => this.route(bridge, 'stdout', decoder.write(chunk)));
      }
      const stderrDecoder = new StringDecoder('utf8');
      stderr.on('data', (chunk: Buffer) => {
        const text = stderrDecoder.write(chunk);
        bridge.stderrTail = (bridge.stderrTail + text).slice(-STDERR_TAIL_CHARS);
        this.route(bridge, 'stderr', text);
      });
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
        () => reject(new KernelStartError(this.language, `not ready after ${this.spec.startTimeoutMs / 1000} s: ${bridge.stderrTail.trim() || 'no output'}`)),
        this.spec.startTimeoutMs,
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

  /** Output between executions (a background child still printing) belongs to no execution. */
  private route(bridge: Bridge, stream: 'stdout' | 'stderr', text: string): void {
    if (!text || this.bridge !== bridge || !this.running) return;
    if (stream === 'stdout') this.running.sink.stdout(text);
    else this.running.sink.stderr(text);
  }

  private onEvent(bridge: Bridge, event: Readonly<Record<string, unknown>>): void {
    const running = this.bridge === bridge ? this.running : undefined;
    if (!running) return;
    switch (event.type) {
      case 'stdout':
        running.sink.stdout(String(event.text ?? ''));
        break;
      case 'stderr':
        running.sink.stderr(String(event.text ?? ''));
        break;
      case 'result':
        running.sink.result(bundleOf(event.data), event.main === true);
        break;
      case 'error':
        running.sink.error({ name: String(event.name ?? 'Error'), value: String(event.value ?? ''), traceback: String(event.traceback ?? '') });
        break;
      case 'done':
        if (event.id !== running.id) return;
        this.running = undefined;
        running.resolve({ executionCount: typeof event.execution_count === 'number' ? event.execution_count : running.id });
        break;
      default:
        this.logger.debug({ type: event.type }, 'unknown kernel bridge event');
    }
  }

  private interrupt(bridge: Bridge, id: number): void {
    if (this.bridge !== bridge || this.running?.id !== id) return;
    if (this.spec.interrupt === 'command') bridge.stdin.write(`${JSON.stringify({ type: 'interrupt', id })}\n`);
    else signalGroup(bridge.child, 'SIGINT');
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
    if (!this.shutDown) {
      await this.ready().catch((error: unknown) => this.logger.error({ err: error }, 'kernel did not restart'));
    }
    if (running && this.running === running) this.failRunning(new KernelDiedError(this.language, reason));
  }

  private failRunning(error: Error): void {
    const running = this.running;
    this.running = undefined;
    running?.reject(error);
  }

  private async stop(bridge: Bridge): Promise<void> {
    bridge.stopping = true;
    if (this.bridge === bridge) this.bridge = undefined;
    if (bridge.child.exitCode === null && bridge.child.signalCode === null) signalGroup(bridge.child, 'SIGKILL');
    await bridge.exited;
    for (const stream of bridge.child.stdio) stream?.destroy();
  }
}

function bundleOf(data: unknown): MimeBundle {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as MimeBundle) : { 'text/plain': String(data) };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: already gone; the exit event is on its way.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}
