import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Logger } from 'pino';
import type { SandboxUser } from './user-directory.js';

export interface LaunchRequest {
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stdin: boolean;
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
    const stdio = [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] as const;
    if (this.helper) {
      return spawn(this.helper, [String(user.uid), String(user.gid), request.cwd, '--', request.cmd, ...request.args], {
        cwd: '/',
        env: request.env,
        stdio: [...stdio],
        detached: true,
      });
    }
    return spawn(request.cmd, [...request.args], {
      cwd: request.cwd,
      env: request.env,
      stdio: [...stdio],
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
