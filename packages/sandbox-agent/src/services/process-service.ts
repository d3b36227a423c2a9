import type { Logger } from 'pino';
import { InvalidArgumentError, NotFoundError, TooManyTerminalsError } from '../errors.js';
import type { FilesystemService } from './filesystem-service.js';
import { ManagedProcess, type ProcessSpec } from './managed-process.js';
import { buildProcessEnv } from './process-env.js';
import type { ProcessLauncher } from './process-launcher.js';
import { checkSize, type TerminalSize } from './pty-terminal.js';
import type { SandboxUser } from './user-directory.js';

export interface StartProcessRequest {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly envs: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly tag?: string;
  readonly stdin: boolean;
  /** Run in a new pseudo-terminal of this size (envd's `StartRequest.pty`); stdin is then the terminal. */
  readonly pty?: TerminalSize;
}

/**
 * Terminals one sandbox may have open at once. Under runc every pty comes from the host kernel's
 * pool (kernel.pty.max, shared by all containers), so the agent hands out a bounded number.
 */
export const MAX_TERMINALS = 32;

/** Selects a process the way envd's ProcessSelector does: by pid or by tag. */
export type ProcessSelector = { readonly pid: number } | { readonly tag: string };

/** The table of running user processes; a process leaves it when it has ended. */
export class ProcessService {
  private readonly processes = new Map<number, ManagedProcess>();

  constructor(
    private readonly launcher: ProcessLauncher,
    private readonly filesystem: FilesystemService,
    private readonly sandboxEnvs: Readonly<Record<string, string>>,
    private readonly logger: Logger,
  ) {}

  /** Spawns synchronously, so the caller can subscribe before any output is emitted. */
  start(user: SandboxUser, request: StartProcessRequest): ManagedProcess {
    if (!request.cmd) throw new InvalidArgumentError('process.cmd is empty; pass the program to run, e.g. /bin/bash');
    for (const text of [request.cmd, ...request.args]) {
      if (text.includes('\0')) throw new InvalidArgumentError('command or argument contains a NUL byte; remove it');
    }
    if (request.tag !== undefined && this.find({ tag: request.tag })) {
      throw new InvalidArgumentError(`a running process already has tag '${request.tag}'; pick another tag`);
    }
    if (request.pty) {
      checkSize(request.pty);
      const open = this.list().filter((managed) => managed.spec.pty).length;
      if (open >= MAX_TERMINALS) {
        throw new TooManyTerminalsError(`this sandbox already has ${open} terminals open, the most it may have; kill one first`);
      }
    }
    const cwd = this.filesystem.requireDirectory(user, request.cwd || user.home);
    const launch = { cmd: request.cmd, args: request.args, cwd, env: buildProcessEnv(user, this.sandboxEnvs, request.envs) };
    const { child, terminal } = request.pty
      ? this.launcher.launchInTerminal(user, launch, request.pty)
      : { child: this.launcher.launch(user, { ...launch, stdin: request.stdin }), terminal: undefined };
    if (child.pid === undefined) {
      // spawn() reports a missing helper or ENOENT asynchronously with no pid.
      child.on('error', () => undefined);
      terminal?.close();
      throw new InvalidArgumentError(`could not start '${request.cmd}': the program or the sandbox-exec helper is missing`);
    }
    const spec: ProcessSpec = {
      cmd: request.cmd,
      args: request.args,
      envs: request.envs,
      cwd,
      ...(request.tag === undefined ? {} : { tag: request.tag }),
      ...(request.pty === undefined ? {} : { pty: request.pty }),
    };
    const managed = new ManagedProcess(child, spec, undefined, terminal);
    this.processes.set(managed.pid, managed);
    void managed.done.then(() => {
      this.processes.delete(managed.pid);
      this.logger.info({ pid: managed.pid, ...managed.end, deadlineExceeded: managed.deadlineExceeded }, 'process ended');
    });
    this.logger.info({ pid: managed.pid, user: user.name, cmd: request.cmd, tag: request.tag, pty: request.pty }, 'process started');
    return managed;
  }

  list(): ManagedProcess[] {
    return [...this.processes.values()];
  }

  get(selector: ProcessSelector): ManagedProcess {
    const found = this.find(selector);
    if (!found) {
      const what = 'pid' in selector ? `pid ${selector.pid}` : `tag '${selector.tag}'`;
      throw new NotFoundError(`no running process with ${what}; it may have exited already`);
    }
    return found;
  }

  /** SIGKILLs every process group; used when the agent shuts down. */
  killAll(): void {
    for (const managed of this.processes.values()) managed.signal('SIGKILL');
  }

  private find(selector: ProcessSelector): ManagedProcess | undefined {
    if ('pid' in selector) return this.processes.get(selector.pid);
    return [...this.processes.values()].find((managed) => managed.spec.tag === selector.tag);
  }
}
