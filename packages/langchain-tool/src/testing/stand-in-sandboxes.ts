import { Execution, type RunCodeOpts, type Sandbox, type SandboxFactory } from '@codebox/core-client';

/** What a stand-in's `runCode` does: print the given lines through the callbacks, then return `execution`. */
export interface ScriptedRun {
  stdout?: string[];
  stderr?: string[];
  execution?: Execution;
}

/**
 * A structural stand-in for a sandbox with a code interpreter, for unit tests of the tool glue:
 * `runCode` replays a script through the real callbacks and records what it was asked.
 * The integration tests run the same tools against real sandboxes.
 */
export class StandInSandbox {
  readonly runs: { code: string; opts: RunCodeOpts | undefined }[] = [];
  killed = 0;
  constructor(
    readonly sandboxId: string,
    private readonly script: ScriptedRun,
  ) {}

  async runCode(code: string, opts?: RunCodeOpts): Promise<Execution> {
    this.runs.push({ code, opts });
    for (const line of this.script.stdout ?? []) await opts?.onStdout?.({ line, timestamp: Date.now() * 1000, error: false });
    for (const line of this.script.stderr ?? []) await opts?.onStderr?.({ line, timestamp: Date.now() * 1000, error: true });
    return this.script.execution ?? new Execution([], { stdout: this.script.stdout ?? [], stderr: this.script.stderr ?? [] });
  }

  async kill(): Promise<boolean> {
    this.killed++;
    return true;
  }
}

/** A `sandboxClass` for `SandboxSessions` that makes stand-ins running `script`. */
export function standInFactory(script: ScriptedRun = {}): SandboxFactory<Sandbox> & { created: StandInSandbox[] } {
  const created: StandInSandbox[] = [];
  return {
    created,
    async create() {
      const sandbox = new StandInSandbox(`stand-in-${created.length}`, script);
      created.push(sandbox);
      return sandbox as unknown as Sandbox;
    },
  };
}
