import { Process, processPb } from '@codebox/protocol';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { KEEPALIVE_HEADERS, type EnvdConnection } from '../envd/envd-connection.js';
import { userHeaders } from '../envd/envd-user.js';
import { envdSupports } from '../envd/envd-versions.js';
import { rpcError } from '../envd/rpc-error.js';
import { createStreamController } from '../envd/stream-controller.js';
import { startEvent } from '../envd/start-event.js';
import { SandboxError } from '../errors.js';
import { CommandHandle, type CommandRequestOpts, type OutputCallback, type PtyOutputCallback } from './command-handle.js';
import type { CommandResult } from './command-result.js';
import { toProcessInfo, type ProcessInfo } from './process-info.js';

export type { CommandRequestOpts };

/** Options of `commands.run()`. */
export interface CommandStartOpts extends CommandRequestOpts {
  /** Return a {@link CommandHandle} at once instead of waiting for the command to finish. */
  background?: boolean;
  /** Working directory; defaults to the user's home. */
  cwd?: string;
  /** User to run as; defaults to the sandbox's user (`user`). */
  user?: string;
  /** Environment variables, on top of the sandbox's. */
  envs?: Record<string, string>;
  onStdout?: OutputCallback;
  onStderr?: OutputCallback;
  /**
   * Keep stdin open for `sendStdin()`.
   * @default false
   */
  stdin?: boolean;
  /**
   * Time limit for the whole command in **milliseconds**; `0` disables it.
   * @default 60_000
   */
  timeoutMs?: number;
}

/** Options of `commands.connect()`. */
export type CommandConnectOpts = Pick<CommandStartOpts, 'onStdout' | 'onStderr' | 'timeoutMs'> & CommandRequestOpts;

export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

export const pidSelector = (pid: number) => ({ selector: { case: 'pid' as const, value: pid } });

/** Connect's `timeoutMs: 0` means "already expired"; the SDK's 0 means "no limit". */
export const deadline = (timeoutMs: number) => (timeoutMs > 0 ? timeoutMs : undefined);

/** Where a handle's output goes. */
export interface HandleCallbacks {
  onStdout?: OutputCallback;
  onStderr?: OutputCallback;
  onPty?: PtyOutputCallback;
}

/** `sandbox.commands`: start, list, signal and feed processes in the sandbox. */
export class Commands {
  /** @internal Shared with `sandbox.pty`, which drives the same process service. */
  readonly rpc: Client<typeof Process>;

  /** @internal Reached through `sandbox.commands`. */
  constructor(private readonly envd: EnvdConnection) {
    this.rpc = createClient(Process, envd.transport);
  }

  /** Running commands (and PTY sessions). */
  async list(opts?: CommandRequestOpts): Promise<ProcessInfo[]> {
    try {
      const res = await this.rpc.list({}, { signal: this.signal(opts) });
      return res.processes.map(toProcessInfo);
    } catch (err) {
      throw rpcError(err);
    }
  }

  /** Writes to a command's stdin; it must have been started with `stdin: true`. */
  async sendStdin(pid: number, data: string | Uint8Array, opts?: CommandRequestOpts): Promise<void> {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    try {
      await this.rpc.sendInput(
        { process: pidSelector(pid), input: { input: { case: 'stdin', value: bytes } } },
        { signal: this.signal(opts) },
      );
    } catch (err) {
      throw rpcError(err);
    }
  }

  /** Closes a command's stdin (EOF). */
  async closeStdin(pid: number, opts?: CommandRequestOpts): Promise<void> {
    if (!envdSupports(this.envd.envdVersion, 'closeStdin')) {
      throw new SandboxError(
        `Sandbox agent version ${this.envd.envdVersion} doesn't support closeStdin. Please rebuild your template to pick up the latest sandbox version.`,
      );
    }
    try {
      await this.rpc.closeStdin({ process: pidSelector(pid) }, { signal: this.signal(opts) });
    } catch (err) {
      throw rpcError(err);
    }
  }

  /** Kills a command with SIGKILL; `false` when there was no such process. */
  async kill(pid: number, opts?: CommandRequestOpts): Promise<boolean> {
    try {
      await this.rpc.sendSignal(
        { process: pidSelector(pid), signal: processPb.Signal.SIGKILL },
        { signal: this.signal(opts) },
      );
      return true;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) return false;
      throw rpcError(err);
    }
  }

  /** Attaches to a running command to receive its output and wait for it. */
  async connect(pid: number, opts?: CommandConnectOpts): Promise<CommandHandle> {
    const controller = createStreamController(opts?.requestTimeoutMs ?? this.envd.config.requestTimeoutMs, opts?.signal);
    const stream = this.rpc.connect(
      { process: pidSelector(pid) },
      {
        signal: controller.signal,
        headers: KEEPALIVE_HEADERS,
        timeoutMs: deadline(opts?.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
      },
    );
    return this.handleFor(stream, controller, opts);
  }

  /** Runs `cmd` with `/bin/bash -l -c` and waits for it; non-zero exits throw `CommandExitError`. */
  run(cmd: string, opts?: CommandStartOpts & { background?: false }): Promise<CommandResult>;
  /** Starts `cmd` in the background and returns its handle. */
  run(cmd: string, opts: CommandStartOpts & { background: true }): Promise<CommandHandle>;
  run(cmd: string, opts?: CommandStartOpts & { background?: boolean }): Promise<CommandHandle | CommandResult>;
  async run(cmd: string, opts?: CommandStartOpts): Promise<CommandHandle | CommandResult> {
    const handle = await this.start(cmd, opts);
    return opts?.background ? handle : handle.wait();
  }

  private async start(cmd: string, opts?: CommandStartOpts): Promise<CommandHandle> {
    const controller = createStreamController(opts?.requestTimeoutMs ?? this.envd.config.requestTimeoutMs, opts?.signal);
    const config: { cmd: string; args: string[]; envs: Record<string, string>; cwd?: string } = {
      cmd: '/bin/bash',
      args: ['-l', '-c', cmd],
      envs: opts?.envs ?? {},
    };
    if (opts?.cwd) config.cwd = opts.cwd;
    const stream = this.rpc.start(
      { process: config, stdin: opts?.stdin ?? false },
      {
        signal: controller.signal,
        headers: {
          ...userHeaders(this.envd.envdVersion, opts?.user),
          ...KEEPALIVE_HEADERS,
        },
        timeoutMs: deadline(opts?.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS),
      },
    );
    return this.handleFor(stream, controller, opts);
  }

  /** @internal Turns a started stream into a handle; `sandbox.pty` uses it for terminals too. */
  async handleFor(
    stream: AsyncIterable<processPb.StartResponse | processPb.ConnectResponse>,
    controller: ReturnType<typeof createStreamController>,
    opts: HandleCallbacks | undefined,
  ): Promise<CommandHandle> {
    const events = stream[Symbol.asyncIterator]();
    try {
      const first = await startEvent(events, (e) => (e.event?.event.case === 'start' ? e.event.event.value : undefined));
      controller.clearStartTimeout();
      const pid = first.pid;
      const init: ConstructorParameters<typeof CommandHandle>[0] = {
        pid,
        events,
        disconnect: controller.cleanup,
        kill: () => this.kill(pid),
        sendStdin: (data, stdinOpts) => this.sendStdin(pid, data, stdinOpts),
        closeStdin: (stdinOpts) => this.closeStdin(pid, stdinOpts),
      };
      if (opts?.onStdout) init.onStdout = opts.onStdout;
      if (opts?.onStderr) init.onStderr = opts.onStderr;
      if (opts?.onPty) init.onPty = opts.onPty;
      return new CommandHandle(init);
    } catch (err) {
      controller.cleanup();
      throw rpcError(err);
    }
  }

  /** @internal The per-request signal (`requestTimeoutMs` and the caller's signal). */
  signal(opts: CommandRequestOpts | undefined): AbortSignal | undefined {
    return this.envd.config.getSignal(opts?.requestTimeoutMs, opts?.signal);
  }
}
