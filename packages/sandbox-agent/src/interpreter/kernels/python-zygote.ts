import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from 'pino';
import type { ProcessLauncher } from '../../services/process-launcher.js';
import type { SandboxUser } from '../../services/user-directory.js';
import type { KernelMemory, KernelMemoryEntry } from '../memory/kernel-memory.js';
import { BridgeChannel } from './bridge-channel.js';
import type { KernelChild } from './kernel-child.js';
import { KernelStartError } from './kernel-errors.js';
import { signalGroup } from './process-group.js';

/** A forked kernel proves which fork it is with this many random bytes, hex, then `\n`. */
const TOKEN_BYTES = 16;
const TOKEN_LINE_BYTES = TOKEN_BYTES * 2 + 1;
/** A connection that has not said who it is by then is dropped. */
const HELLO_TIMEOUT_MS = 10_000;
const STDERR_TAIL_CHARS = 2_000;

export interface PythonZygoteOptions {
  readonly launcher: ProcessLauncher;
  readonly user: SandboxUser;
  /** `dist/kernels`: `python/zygote.py` and the bridge it runs in each fork. */
  readonly kernelsDir: string;
  /** The zygote's own cwd and environment; each fork gets its context's. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Where the zygote is listed for out-of-memory reports. */
  readonly memory?: KernelMemory;
  /**
   * Start the parent only for a Python kernel asked for while another runs (a second context),
   * with the data stack loaded before its first fork; a lone kernel starts directly. For gVisor,
   * where a fork shares next to nothing (it copies memory in 2 MiB units, docs/languages.md), so
   * a parent beside the default kernel would only cost its own memory: 124 → 77 MiB per idle
   * code-interpreter sandbox, measured 2026-12-06.
   */
  readonly onDemand?: boolean;
}

export interface ForkRequest {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Until the forked bridge has connected; the kernel's own start timeout follows. */
  readonly timeoutMs: number;
}

/**
 * A Python bridge forked by the zygote, as `KernelProcess` drives any bridge: the one socket it
 * connected with is both its stdin (commands) and its fd 3 (events); it has no stdout/stderr of
 * its own (bridge.py drains fd 1/2 into events; its diagnostics go to the zygote's stderr).
 * `exit` comes from the zygote, the only process that can wait for it.
 */
export class ForkedKernel extends EventEmitter implements KernelChild {
  readonly stdin: Socket;
  readonly stdout: Readable = Readable.from([]);
  readonly stderr: Readable = Readable.from([]);
  readonly stdio: readonly (Readable | Socket)[];
  private exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null } | undefined;
  private socketClosed = false;

  constructor(
    readonly pid: number,
    socket: Socket,
    /** Forked once the zygote had loaded the data stack (numpy, pandas, matplotlib), which it then shares. */
    readonly preloaded: boolean,
  ) {
    super();
    this.stdin = socket;
    this.stdio = [socket, this.stdout, this.stderr, socket];
    // A write after the kernel died: its death is reported by `exit`.
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.socketClosed = true;
      this.closeIfDone();
    });
  }

  /** The zygote saw the process end (or the zygote died, taking its forks with it). */
  ended(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exit) return;
    this.exit = { code, signal };
    this.emit('exit', code, signal);
    this.closeIfDone();
  }

  private closeIfDone(): void {
    if (this.exit && this.socketClosed) this.emit('close', this.exit.code, this.exit.signal);
  }
}

interface PendingFork {
  readonly id: number;
  readonly token: string;
  readonly resolve: (kernel: ForkedKernel) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  pid?: number;
  preloaded?: boolean;
  socket?: Socket;
}

/** One run of the zygote process, with the socket its forks connect to. */
interface Generation {
  readonly child: ChildProcess;
  readonly server: Server;
  /** Settles once the socket accepts connections (before any fork is asked for). */
  readonly listening: Promise<unknown>;
  readonly address: string;
  readonly started: number;
  readonly pending: Map<string, PendingFork>;
  readonly kernels: Map<number, ForkedKernel>;
  readonly memoryEntry: KernelMemoryEntry;
  /** Settles once the data stack is loaded, or the zygote ended. */
  readonly fullyLoaded: Promise<void>;
  readonly markFullyLoaded: () => void;
  stderrTail: string;
  dead: boolean;
}

/**
 * The sandbox's Python kernel parent (`kernels/python/zygote.py`): started once through the
 * launcher as the sandbox user, it imports IPython, numpy, pandas and matplotlib once and forks
 * every Python kernel, which shares those pages copy-on-write and is ready in tens of
 * milliseconds. Started on the first fork; started again on the next fork after it died.
 *
 * The channel: Node cannot pass descriptors over a unix socket without a native addon, so each
 * fork connects back to a socket this class listens on (abstract, so nothing on disk to clean up
 * or protect) and names itself with a random token sent in its fork request; the zygote itself
 * only forks and reports pids and exits, so it is never on the path of a kernel's output.
 */
export class PythonZygote {
  private generation: Generation | undefined;
  private nextId = 1;
  private closed = false;
  private env: Readonly<Record<string, string>>;
  /** Python kernels started directly (on-demand mode) that are still running. */
  private readonly direct = new Set<KernelChild>();

  constructor(private readonly options: PythonZygoteOptions) {
    this.env = options.env;
  }

  /**
   * A pooled sandbox's hand-over brought env vars: what Python reads only at start (PYTHONPATH,
   * LANG, TZ, and whatever the preloaded libraries read at import) must be the new environment's,
   * as in a cold sandbox, so the running parent ends (with its forks, which the hand-over
   * replaces anyway) and the next fork starts a parent on `env` (plus PWD, as at construction).
   */
  async restartWith(env: Readonly<Record<string, string>>): Promise<void> {
    this.env = { ...env, PWD: this.options.cwd };
    const generation = this.generation;
    this.generation = undefined;
    if (!generation || generation.dead) return;
    if (generation.child.exitCode === null && generation.child.signalCode === null) {
      signalGroup(generation.child, 'SIGKILL');
      await once(generation.child, 'exit').catch(() => undefined);
    }
    this.retire(generation, 'the sandbox was handed over with new env vars');
  }

  /** The zygote's pid while it runs (tests, measurements). */
  get pid(): number | undefined {
    return this.generation?.dead === false ? this.generation.child.pid : undefined;
  }

  /**
   * Whether the next Python kernel is forked: always, unless on demand, where only a kernel asked
   * for while the parent or another Python kernel runs is (a lone kernel or a restart starts directly).
   */
  forks(): boolean {
    if (!this.options.onDemand) return true;
    return this.pid !== undefined || this.direct.size > 0;
  }

  /** Tracks a kernel started directly instead of forked, until it exits (see `forks`). */
  async startedDirectly(child: KernelChild | Promise<KernelChild>): Promise<KernelChild> {
    const started = await child;
    this.direct.add(started);
    started.once('exit', () => this.direct.delete(started));
    return started;
  }

  /** Starts the zygote now, so the first fork does not wait for its imports. */
  async start(): Promise<void> {
    await this.current();
  }

  /** A new kernel in `cwd` with `env`, connected and about to say it is ready. */
  async fork(request: ForkRequest): Promise<ForkedKernel> {
    const generation = await this.current();
    const id = this.nextId++;
    const token = randomBytes(TOKEN_BYTES).toString('hex');
    return new Promise<ForkedKernel>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.dropPending(generation, pending);
        reject(new KernelStartError('python', `no kernel forked within ${request.timeoutMs / 1000} s: ${generation.stderrTail.trim() || 'no output'}`));
      }, request.timeoutMs);
      const pending: PendingFork = { id, token, resolve, reject, timer };
      generation.pending.set(token, pending);
      generation.child.stdin?.write(
        `${JSON.stringify({ type: 'fork', id, address: generation.address, token, cwd: request.cwd, env: request.env })}\n`,
      );
    });
  }

  /** Settles when the running zygote has loaded the data stack (or ended). */
  fullyLoaded(): Promise<void> {
    return this.generation?.fullyLoaded ?? Promise.resolve();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const generation = this.generation;
    if (!generation) return;
    if (generation.child.exitCode === null && generation.child.signalCode === null) {
      signalGroup(generation.child, 'SIGKILL');
      await once(generation.child, 'exit').catch(() => undefined);
    }
    this.retire(generation, 'the zygote was shut down');
  }

  private async current(): Promise<Generation> {
    if (this.closed) throw new KernelStartError('python', 'the interpreter is shutting down');
    const generation = this.generation && !this.generation.dead ? this.generation : this.launch();
    this.generation = generation;
    await generation.listening;
    return generation;
  }

  private launch(): Generation {
    const { launcher, user, kernelsDir, cwd, logger } = this.options;
    const env = this.env;
    const address = `codebox-python-kernels-${randomBytes(8).toString('hex')}`;
    const server = createServer();
    const listening = once(server, 'listening');
    server.listen(`\0${address}`);
    const args = [join(kernelsDir, 'python', 'zygote.py'), ...(this.options.onDemand ? ['--data-stack-first'] : [])];
    const child = launcher.launchPiped(user, { cmd: 'python3', args, cwd, env: { ...env }, extraPipes: 1 });
    let markFullyLoaded = (): void => undefined;
    const fullyLoaded = new Promise<void>((resolve) => (markFullyLoaded = resolve));
    const generation: Generation = {
      fullyLoaded,
      markFullyLoaded,
      child,
      server,
      listening,
      address,
      started: Date.now(),
      pending: new Map(),
      kernels: new Map(),
      memoryEntry: { label: 'python kernel parent (shared by python contexts)', pid: () => (generation.dead ? undefined : child.pid) },
      stderrTail: '',
      dead: false,
    };
    server.on('connection', (socket) => this.accept(generation, socket));
    server.on('error', (error) => logger.error({ err: error }, 'python zygote socket failed'));
    this.options.memory?.register(generation.memoryEntry);
    child.stdin?.on('error', () => undefined);
    child.stdout?.resume();
    const stderrDecoder = new StringDecoder('utf8');
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = stderrDecoder.write(chunk);
      generation.stderrTail = (generation.stderrTail + text).slice(-STDERR_TAIL_CHARS);
      // The zygote's and its kernels' diagnostics (bridge failures): the agent's log keeps them.
      logger.warn({ stderr: text.slice(-500) }, 'python zygote wrote to stderr');
    });
    const channel = new BridgeChannel({
      text: () => undefined,
      event: (event) => this.onEvent(generation, event),
      malformed: (line) => logger.error({ line: line.slice(0, 500) }, 'python zygote sent a malformed event'),
    });
    (child.stdio[3] as Readable | null | undefined)?.on('data', (chunk: Buffer) => channel.push(chunk));
    const ended = (reason: string): void => {
      if (generation.dead) return;
      logger.warn({ reason, stderr: generation.stderrTail.slice(-500) }, 'python zygote ended');
      this.retire(generation, reason);
    };
    child.once('error', (error) => ended(`cannot run python3: ${error.message}`));
    child.once('exit', (code, signal) => ended(signal ? `it was killed by ${signal}` : `it exited with code ${code ?? 'unknown'}`));
    return generation;
  }

  private onEvent(generation: Generation, event: Readonly<Record<string, unknown>>): void {
    switch (event.type) {
      case 'stage':
        this.options.logger.info({ stage: event.stage, ms: Date.now() - generation.started }, 'python zygote loaded');
        if (event.stage === 'full') generation.markFullyLoaded();
        break;
      case 'forked': {
        if (typeof event.pid !== 'number') return;
        const pending = [...generation.pending.values()].find((candidate) => candidate.id === event.id);
        if (!pending) {
          // Its request timed out meanwhile: nobody waits for this kernel.
          killPid(event.pid);
          return;
        }
        pending.pid = event.pid;
        pending.preloaded = event.stage === 'full';
        this.settle(generation, pending);
        break;
      }
      case 'exited': {
        if (typeof event.pid !== 'number') return;
        const signal = typeof event.signal === 'string' ? (event.signal as NodeJS.Signals) : null;
        const code = typeof event.code === 'number' ? event.code : null;
        const kernel = generation.kernels.get(event.pid);
        if (kernel) {
          generation.kernels.delete(event.pid);
          kernel.ended(code, signal);
          return;
        }
        const pending = [...generation.pending.values()].find((candidate) => candidate.pid === event.pid);
        if (pending) {
          this.dropPending(generation, pending);
          const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
          pending.reject(new KernelStartError('python', `the forked kernel ${how}: ${generation.stderrTail.trim() || 'no output'}`));
        }
        break;
      }
      default:
        this.options.logger.debug({ type: event.type }, 'unknown python zygote event');
    }
  }

  /** A connection from a fork: its first line must be the token of a fork waiting for it. */
  private accept(generation: Generation, socket: Socket): void {
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    socket.on('error', () => undefined);
    const onReadable = (): void => {
      const hello = socket.read(TOKEN_LINE_BYTES) as Buffer | null;
      if (hello === null) return;
      socket.off('readable', onReadable);
      clearTimeout(timer);
      const pending = generation.pending.get(hello.subarray(0, TOKEN_LINE_BYTES - 1).toString('ascii'));
      if (!pending || pending.socket || hello[TOKEN_LINE_BYTES - 1] !== 0x0a) {
        socket.destroy();
        return;
      }
      // What follows the token (the bridge's events) stays buffered until the wire reads it.
      pending.socket = socket;
      this.settle(generation, pending);
    };
    socket.on('readable', onReadable);
  }

  private settle(generation: Generation, pending: PendingFork): void {
    if (pending.pid === undefined || !pending.socket) return;
    clearTimeout(pending.timer);
    generation.pending.delete(pending.token);
    const kernel = new ForkedKernel(pending.pid, pending.socket, pending.preloaded === true);
    generation.kernels.set(pending.pid, kernel);
    pending.resolve(kernel);
  }

  private dropPending(generation: Generation, pending: PendingFork): void {
    clearTimeout(pending.timer);
    generation.pending.delete(pending.token);
    pending.socket?.destroy();
    if (pending.pid !== undefined) killPid(pending.pid);
  }

  /**
   * The zygote is gone: its forks died with it (each set PR_SET_PDEATHSIG), so they are reported
   * killed, and forks still waiting fail to start.
   */
  private retire(generation: Generation, reason: string): void {
    if (generation.dead) return;
    generation.dead = true;
    generation.markFullyLoaded();
    if (this.generation === generation) this.generation = undefined;
    this.options.memory?.unregister(generation.memoryEntry);
    generation.server.close();
    for (const pending of [...generation.pending.values()]) {
      this.dropPending(generation, pending);
      pending.reject(new KernelStartError('python', `the kernel parent ended (${reason}): ${generation.stderrTail.trim() || 'no output'}`));
    }
    for (const kernel of generation.kernels.values()) {
      signalGroup(kernel, 'SIGKILL');
      kernel.ended(null, 'SIGKILL');
    }
    generation.kernels.clear();
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
