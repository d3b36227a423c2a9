import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { FailedPreconditionError } from '../errors.js';
import { PtyTerminal, type TerminalSize } from './pty-terminal.js';
import type { SandboxUser } from './user-directory.js';

export interface LaunchRequest {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stdin: boolean;
}

export interface PipedLaunchRequest extends Omit<LaunchRequest, 'stdin'> {
  /** How many pipes beyond stdin/stdout/stderr to open, at fd 3, 4, …: a side channel a kernel bridge reports on. */
  readonly extraPipes: number;
}

/**
 * Starts user processes. With the `sandbox-exec` helper (the normal case inside a sandbox)
 * the process loses every capability, including the bounding set, and gets the io_uring
 * seccomp filter. Without it (host tests, a build without gcc) Node's uid/gid options still
 * drop the identity, but the bounding set stays and io_uring is allowed, hence the warning.
 *
 * Every process leads its own process group (`detached`), so a signal or timeout aimed at
 * `-pid` reaches everything it started.
 */
export class ProcessLauncher {
  private readonly helper: string | undefined;

  constructor(helperPath: string | undefined, logger: Logger) {
    this.helper = helperPath && isExecutable(helperPath) ? helperPath : undefined;
    if (!this.helper) {
      logger.warn(
        { helperPath },
        'sandbox-exec helper not found: user processes keep the capability bounding set and may use io_uring; build the agent package (gcc) to fix',
      );
    }
  }

  get hardened(): boolean {
    return this.helper !== undefined;
  }

  launch(user: SandboxUser, request: LaunchRequest): ChildProcess {
    return this.spawnAs(user, request, [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe']);
  }

  /**
   * Like `launch`, with stdin always piped and `extraPipes` more pipes (`child.stdio[3]`, …).
   * The helper execs the command without closing descriptors, so the pipes reach it as is.
   */
  launchPiped(user: SandboxUser, request: PipedLaunchRequest): ChildProcess {
    return this.spawnAs(user, request, ['pipe', 'pipe', 'pipe', ...Array.from({ length: request.extraPipes }, () => 'pipe' as const)]);
  }

  /**
   * Starts the command in a new pseudo-terminal of `size`: the helper gets the master at fd 3 and
   * makes its slave the command's controlling terminal and stdio before dropping privileges.
   * Needs the helper (the ioctls are its job); the caller owns the returned terminal.
   */
  launchInTerminal(user: SandboxUser, request: Omit<LaunchRequest, 'stdin'>, size: TerminalSize): { child: ChildProcess; terminal: PtyTerminal } {
    if (!this.helper) throw new FailedPreconditionError('PTY processes need the sandbox-exec helper, which this agent runs without');
    const terminal = PtyTerminal.open(this.helper);
    try {
      // fd 4: the helper closes it once the slave is the command's terminal (PTY_READY_FD in
      // sandbox-pty.c); its end (or the helper's exit) lets the agent read the master.
      const child = this.spawnAs(user, request, ['ignore', 'ignore', 'ignore', terminal.fd, 'pipe'], ['--pty', String(size.cols), String(size.rows)]);
      // A 'pipe' past stdio is a duplex socket; it is only read, to see its end.
      const ready = child.stdio[4] as Readable | null | undefined;
      if (ready) {
        ready.on('error', () => undefined);
        ready.once('close', () => terminal.attach());
        ready.resume();
      } else {
        terminal.attach();
      }
      return { child, terminal };
    } catch (error) {
      terminal.close();
      throw error;
    }
  }

  private spawnAs(user: SandboxUser, request: Omit<LaunchRequest, 'stdin'>, stdio: StdioOptions, helperOptions: readonly string[] = []): ChildProcess {
    if (this.helper) {
      return spawn(this.helper, [...helperOptions, String(user.uid), String(user.gid), request.cwd, '--', request.cmd, ...request.args], {
        cwd: '/',
        env: request.env,
        stdio,
        detached: true,
      });
    }
    return spawn(request.cmd, [...request.args], {
      cwd: request.cwd,
      env: request.env,
      stdio,
      detached: true,
      ...(process.geteuid?.() === 0 ? { uid: user.uid, gid: user.gid } : {}),
    });
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
