// The one scripted sandbox the agent tools' unit tests use, in every framework package: code,
// commands and files do what the test scripts, through the same callbacks and errors a real
// sandbox uses, and every call is recorded. (The integration tests run the tools against real
// sandboxes.) Each instance has its own script and records: no shared state between tests.
import type { RunCodeOpts } from '../../code-interpreter/code-interpreter.js';
import type { CommandStartOpts } from '../../commands/commands.js';
import { CommandExitError, FileNotFoundError } from '../../errors.js';
import type { FilesystemReadOpts, FilesystemWriteOpts } from '../../filesystem/filesystem.js';
import type { AgentCommandHandle, AgentSandbox } from '../agent-sandbox.js';
import { SandboxSessions, type SandboxSessionsOpts } from '../sandbox-sessions.js';
import type { CommandResultLike, ExecutionLike, ResultLike } from '../shapeable-result.js';

/** What one `runCode` does: print lines, then return, fail, throw, or hang until aborted. */
export interface ScriptedCode {
  stdout?: string[];
  stderr?: string[];
  results?: ResultLike[];
  error?: { name: string; value: string; traceback: string };
  /** Thrown after the output was printed (e.g. a `TimeoutError`, a lost connection). */
  throws?: Error;
  /** Never finishes on its own: only the call's abort ends it (with the signal's reason). */
  hang?: boolean;
}

/** What one command does: print chunks, then exit, throw, or hang until killed (exit 137). */
export interface ScriptedCommand {
  stdout?: string[];
  stderr?: string[];
  exitCode?: number;
  /** Thrown by `wait()` after the output was printed (e.g. a `TimeoutError`). */
  throws?: Error;
  hang?: boolean;
}

export interface SandboxScript {
  code?: (code: string, language: string) => ScriptedCode;
  command?: (command: string) => ScriptedCommand;
  /** Files the sandbox starts with, by absolute path. */
  files?: Record<string, string | Uint8Array>;
}

const HOME = '/home/user';

export class ScriptedSandbox implements AgentSandbox {
  readonly codeCalls: { code: string; opts: RunCodeOpts }[] = [];
  readonly commandCalls: { command: string; opts: CommandStartOpts }[] = [];
  /** Commands killed (by their command line). */
  readonly kills: string[] = [];
  readonly stored: Map<string, Uint8Array>;
  killed = 0;

  constructor(
    readonly sandboxId: string,
    private readonly script: SandboxScript = {},
  ) {
    this.stored = new Map(Object.entries(script.files ?? {}).map(([path, data]) => [path, typeof data === 'string' ? Buffer.from(data) : data]));
  }

  async kill(): Promise<boolean> {
    this.killed++;
    return true;
  }

  async runCode(code: string, opts: RunCodeOpts): Promise<ExecutionLike> {
    this.codeCalls.push({ code, opts });
    opts.signal?.throwIfAborted();
    const step = this.script.code?.(code, opts.language ?? 'python') ?? {};
    for (const line of step.stdout ?? []) await opts.onStdout?.({ line, timestamp: 0, error: false });
    for (const line of step.stderr ?? []) await opts.onStderr?.({ line, timestamp: 0, error: true });
    for (const result of step.results ?? []) await opts.onResult?.(result as never);
    if (step.hang) await untilAborted(opts.signal);
    if (step.throws) throw step.throws;
    return { logs: { stdout: step.stdout ?? [], stderr: step.stderr ?? [] }, results: step.results ?? [], error: step.error };
  }

  readonly commands = {
    run: async (command: string, opts: CommandStartOpts & { background: true }): Promise<AgentCommandHandle> => {
      this.commandCalls.push({ command, opts });
      const step = this.script.command?.(command) ?? {};
      let killed!: () => void;
      const kill = new Promise<void>((resolve) => (killed = resolve));
      const done = (async (): Promise<CommandResultLike> => {
        for (const chunk of step.stdout ?? []) await opts.onStdout?.(chunk);
        for (const chunk of step.stderr ?? []) await opts.onStderr?.(chunk);
        const stdout = (step.stdout ?? []).join('');
        const stderr = (step.stderr ?? []).join('');
        if (step.hang) {
          await kill;
          throw new CommandExitError({ stdout, stderr, exitCode: 137, error: 'signal: killed' });
        }
        if (step.throws) throw step.throws;
        const result = { stdout, stderr, exitCode: step.exitCode ?? 0 };
        if (result.exitCode !== 0) throw new CommandExitError(result);
        return result;
      })();
      done.catch(() => {});
      return {
        wait: () => done,
        kill: async () => {
          this.kills.push(command);
          killed();
          return true;
        },
      };
    },
  };

  readonly files = {
    read: async (path: string, opts: FilesystemReadOpts & { format: 'bytes' }): Promise<Uint8Array> => {
      opts.signal?.throwIfAborted();
      const data = this.stored.get(resolve(path));
      if (!data) throw new FileNotFoundError(`File ${resolve(path)} not found`);
      return data;
    },
    write: async (path: string, data: string, opts?: FilesystemWriteOpts): Promise<{ path: string }> => {
      opts?.signal?.throwIfAborted();
      this.stored.set(resolve(path), Buffer.from(data));
      return { path: resolve(path) };
    },
  };
}

/** A `SandboxSessions` class: core-client's own, or the built one a package imports (`@codebox/core-client`). */
export type SessionsClass<T> = new (opts: SandboxSessionsOpts<ScriptedSandbox>) => T;

/**
 * Real `SandboxSessions` making scripted sandboxes, and the sandboxes it made. Tests outside
 * core-client pass the `SandboxSessions` they import, so its type is the one their code takes.
 */
export function scriptedSessions<T = SandboxSessions<ScriptedSandbox>>(
  script: SandboxScript = {},
  Sessions: SessionsClass<T> = SandboxSessions as unknown as SessionsClass<T>,
): { sessions: T; sandboxes: ScriptedSandbox[] } {
  const sandboxes: ScriptedSandbox[] = [];
  const sessions = new Sessions({
    sandboxClass: {
      create: async () => {
        const sandbox = new ScriptedSandbox(`scripted-${sandboxes.length}`, script);
        sandboxes.push(sandbox);
        return sandbox;
      },
    },
    closeOnExit: false,
  });
  return { sessions, sandboxes };
}

function resolve(path: string): string {
  return path.startsWith('/') ? path : `${HOME}/${path}`;
}

function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
