import type { CommandResultLike, CommandStartOpts, ExecutionLike, RunCodeOpts, SandboxFactory } from '@codebox/core-client';
import type { ToolCommandHandle, ToolSandbox } from '../tool-sandbox.js';

/** What a fake execution does: report output through the callbacks, then settle. */
export type FakeRun = (opts: RunCodeOpts) => Promise<ExecutionLike>;
export type FakeCommand = (opts: CommandStartOpts, killed: Promise<void>) => Promise<CommandResultLike>;

/**
 * A stand-in sandbox for unit tests of the tools' glue: `runCode` and commands do what the test
 * scripts, and every call is recorded. (Behaviour against real sandboxes is in the
 * integration tests.)
 */
export class FakeSandbox implements ToolSandbox {
  static made: FakeSandbox[] = [];
  static run: FakeRun;
  static command: FakeCommand;

  /** Back to sandboxes whose code and commands succeed silently; forgets the sandboxes made. */
  static reset(): void {
    FakeSandbox.made = [];
    FakeSandbox.run = async () => ({ logs: { stdout: [], stderr: [] }, results: [] });
    FakeSandbox.command = async () => ({ stdout: '', stderr: '', exitCode: 0 });
  }

  readonly sandboxId = `fake-${FakeSandbox.made.length}`;
  readonly codeCalls: { code: string; opts: RunCodeOpts }[] = [];
  readonly kills: string[] = [];
  killed = false;

  static readonly factory: SandboxFactory<FakeSandbox> = {
    create: async () => {
      const sandbox = new FakeSandbox();
      FakeSandbox.made.push(sandbox);
      return sandbox;
    },
  };

  async kill(): Promise<void> {
    this.killed = true;
  }

  runCode(code: string, opts: RunCodeOpts): Promise<ExecutionLike> {
    this.codeCalls.push({ code, opts });
    return FakeSandbox.run(opts);
  }

  readonly commands = {
    run: async (cmd: string, opts: CommandStartOpts & { background: true }): Promise<ToolCommandHandle> => {
      let kill!: () => void;
      const killed = new Promise<void>((resolve) => (kill = resolve));
      const result = FakeSandbox.command(opts, killed);
      return {
        wait: () => result,
        kill: async () => {
          this.kills.push(cmd);
          kill();
          return true;
        },
      };
    },
  };

  readonly files = {
    read: async (): Promise<Uint8Array> => new Uint8Array(),
    write: async (path: string): Promise<{ path: string }> => ({ path }),
  };
}
