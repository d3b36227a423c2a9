import { spawn } from 'node:child_process';
import type { RunnerHandle } from './runner.ts';

export interface ExampleRun {
  /** Exit code (null when a signal ended it). */
  code: number | null;
  /** stdout and stderr, interleaved as they arrived. */
  out: string;
}

/**
 * Runs an example as a user would: its own Node process, configured only by the environment
 * the README names, pointed at `runner`. No OPENAI_API_KEY is passed, so examples run on their
 * scripted model and tests never reach a network model.
 */
export function runExample(
  file: string,
  runner: RunnerHandle,
  options: { args?: readonly string[]; cwd?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<ExampleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, ...(options.args ?? [])], {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env: { PATH: process.env.PATH, CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0], ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}
