import type { RunnerHandle } from '../test/support/runner.ts';
import { pooledReadyIds } from '../test/support/pool-log.ts';

/**
 * Waits until `runner` has logged `count` pooled containers of `template` ready since it started
 * (a pooled container exists before its agent answers; the runner logs it once it can be handed
 * over). Counts every ready line, so a caller that took some passes what it took plus what it wants.
 */
export async function poolReadyCount(runner: RunnerHandle, template: string, count: number, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ready = (): number => pooledReadyIds(runner.output(), template).length;
  while (ready() < count) {
    if (Date.now() > deadline) throw new Error(`the ${template} pool did not reach ${count} ready within ${timeoutMs / 1000} s (${ready()} ready)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * How many of the runner's `sandbox created` lines after `fromOffset` (a length of its output) say
 * warm (a hand-over) and how many cold, once `expected` such lines have arrived (the runner's log
 * reaches this process a little after its answers do) or a few seconds have passed.
 */
export async function createdWarmCold(runner: RunnerHandle, fromOffset: number, expected: number): Promise<{ warm: number; cold: number }> {
  const created = (): string[] => runner.output().slice(fromOffset).split('\n').filter((line) => line.includes('"msg":"sandbox created"'));
  const deadline = Date.now() + 5_000;
  while (created().length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const lines = created();
  const warm = lines.filter((line) => line.includes('"warm":true')).length;
  return { warm, cold: lines.length - warm };
}
