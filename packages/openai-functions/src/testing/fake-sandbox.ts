// A stand-in for a code-interpreter sandbox in unit tests: `runCode` replays a scripted
// output through the same callbacks a real one calls, and records what it was asked to run.
import { SandboxSessions, type ExecutionLike, type OutputMessage, type ResultLike } from '@codebox/core-client';

export interface ScriptedRun {
  stdout?: string[];
  stderr?: string[];
  results?: ResultLike[];
  error?: { name: string; value: string; traceback: string };
  /** Thrown after the output was streamed (e.g. a `TimeoutError`). */
  throws?: Error;
}

export interface FakeSandbox {
  readonly sandboxId: string;
  readonly runs: { code: string; language: string; timeoutMs?: number | undefined }[];
  killed: boolean;
  kill(): Promise<void>;
  runCode(
    code: string,
    opts: {
      language: string;
      timeoutMs?: number;
      signal?: AbortSignal;
      onStdout?: (o: OutputMessage) => unknown;
      onStderr?: (o: OutputMessage) => unknown;
    },
  ): Promise<ExecutionLike>;
}

export function fakeSandbox(run: (code: string, language: string) => ScriptedRun | Promise<ScriptedRun>): FakeSandbox {
  const sandbox: FakeSandbox = {
    sandboxId: 'fake-sandbox',
    runs: [],
    killed: false,
    async kill() {
      sandbox.killed = true;
    },
    async runCode(code, opts) {
      sandbox.runs.push({ code, language: opts.language, timeoutMs: opts.timeoutMs });
      // Like the real one: an abort ends the execution at once, with the signal's reason.
      const aborted = new Promise<never>((_, reject) => {
        if (opts.signal?.aborted) reject(opts.signal.reason);
        opts.signal?.addEventListener('abort', () => reject(opts.signal?.reason), { once: true });
      });
      aborted.catch(() => {});
      const out = await Promise.race([run(code, opts.language), aborted]);
      for (const line of out.stdout ?? []) await opts.onStdout?.({ line, timestamp: Date.now() * 1000, error: false });
      for (const line of out.stderr ?? []) await opts.onStderr?.({ line, timestamp: Date.now() * 1000, error: true });
      if (out.throws) throw out.throws;
      return { logs: { stdout: out.stdout ?? [], stderr: out.stderr ?? [] }, results: out.results ?? [], error: out.error };
    },
  };
  return sandbox;
}

/** Real `SandboxSessions` handing out the fake sandbox. */
export function fakeSessions(sandbox: FakeSandbox): SandboxSessions<FakeSandbox> {
  return new SandboxSessions({ sandboxClass: { create: async () => sandbox }, closeOnExit: false });
}

/** A real 3×2 PNG, base64. */
export const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAYAAACddGYaAAAAEUlEQVR4AWM8AQQMUMDEgAQASb4DJInYUwcAAAAASUVORK5CYII=';
