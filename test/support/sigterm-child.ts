import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

/** How long a child may take to say it is ready (it creates sandboxes first). */
const READY_TIMEOUT_MS = 60_000;

/**
 * Bundles `entry` (a TypeScript program) into one ESM file for the calling `describe` block, so
 * a test can run it as a plain Node child process. Returns a getter for the bundle's path, which
 * exists only once `beforeAll` ran.
 */
export function useChildScript(entry: string): () => string {
  let dir: string | undefined;
  let script: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'codebox-sigterm-child-'));
    const outfile = join(dir, 'child.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outfile,
      logLevel: 'error',
      // Bundled CommonJS dependencies call require(); give them one.
      banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    });
    script = outfile;
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!script) throw new Error('the child script is not built yet: call the getter inside a test');
    return script;
  };
}

export interface SigtermChildOptions {
  readonly script: string;
  readonly args?: readonly string[];
  /** Added to this process's environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Printed by the child (stdout or stderr) once it holds what the SIGTERM must clean up. */
  readonly readyText: string;
  /**
   * Runs after the ready text arrived (or the child exited or timed out first), before the
   * signal: the place to check what the child holds. Gets the output so far.
   */
  readonly beforeSignal: (output: string) => void | Promise<void>;
}

export interface SigtermChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Everything the child printed on stdout and stderr, interleaved. */
  readonly output: string;
  /** From sending SIGTERM to the child's exit. */
  readonly tookMs: number;
}

/**
 * Runs a child program until it is ready, then stops it with SIGTERM the way a process manager
 * would, and reports how it ended: the exit-cleanup tests check that the signal still kills it
 * (not a normal exit) and that its sandboxes are gone.
 */
export async function stopChildWithSigterm(options: SigtermChildOptions): Promise<SigtermChildResult> {
  const child = spawn(process.execPath, [options.script, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output.includes(options.readyText) && child.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    await options.beforeSignal(output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  return { code, signal, output, tookMs: Date.now() - stoppedAt };
}
