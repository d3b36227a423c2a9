import { afterAll, beforeAll } from 'vitest';
import { pointClientsAt } from '../conformance/clients.js';
import { startRunner, type RunnerHandle, type StartRunnerOptions } from './runner.js';

/**
 * One runner for the calling test file, started before its tests and closed after them, with
 * both clients pointed at it as tenant A. Returns a getter: the handle exists only once
 * `beforeAll` ran.
 */
export function useRunner(options: StartRunnerOptions = {}): () => RunnerHandle {
  let runner: RunnerHandle | undefined;
  beforeAll(async () => {
    runner = await startRunner(options);
    pointClientsAt(runner.url, runner.keys[0]);
  });
  afterAll(async () => {
    await runner?.close();
  });
  return () => {
    if (!runner) throw new Error('the runner is not started yet: call the getter inside a test');
    return runner;
  };
}
