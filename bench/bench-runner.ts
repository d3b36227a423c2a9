import { execFileSync } from 'node:child_process';
import { startRunner, type RunnerHandle, type StartRunnerOptions } from '../test/support/runner.ts';

/**
 * A real runner for a benchmark, with both the official SDKs (through their environment
 * variables) and our client (through the returned options) pointed at it.
 */
export async function startBenchRunner(options: StartRunnerOptions = {}): Promise<{ runner: RunnerHandle; opts: { apiKey: string; apiUrl: string } }> {
  const runner = await startRunner(options);
  const apiKey = runner.keys[0];
  process.env.E2B_API_URL = runner.url;
  process.env.E2B_SANDBOX_URL = runner.url;
  process.env.E2B_API_KEY = apiKey;
  return { runner, opts: { apiKey, apiUrl: runner.url } };
}

export type BenchRuntime = 'runc' | 'runsc';

/** runc, and runsc where dockerd has it registered (scripts/register-runsc.sh); says so when it does not. */
export function runtimesToMeasure(): BenchRuntime[] {
  const registered = Object.keys(JSON.parse(execFileSync('docker', ['info', '--format', '{{json .Runtimes}}'], { encoding: 'utf8' })) as object);
  if (registered.includes('codebox-runsc')) return ['runc', 'runsc'];
  console.log('runsc: not registered with dockerd (scripts/register-runsc.sh); measuring runc only');
  return ['runc'];
}
