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
