import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { pooledReadyIds } from './pool-log.js';
import type { RunnerHandle } from './runner.js';

/** Containers of this runner labelled as pooled, with whether a hand-over gave them an owner. */
export function pooledContainers(runner: RunnerHandle): Array<{ id: string; owned: boolean }> {
  const out = execFileSync(
    'docker',
    ['ps', '-a', '--filter', `label=codebox.runner=${runner.runnerName}`, '--filter', 'label=codebox.pooled=true', '--format', '{{.Label "codebox.sandbox-id"}}'],
    { encoding: 'utf8' },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((id) => ({ id, owned: existsSync(join(runner.dataDir, 'sandboxes', id, 'owner.json')) }));
}

/** Pooled containers ready to be handed out: no owner yet, and logged ready. */
export function waitingPooledIds(runner: RunnerHandle): string[] {
  const ready = new Set(pooledReadyIds(runner.output()));
  return pooledContainers(runner)
    .filter((c) => !c.owned && ready.has(c.id))
    .map((c) => c.id);
}

/** Waits until `count` pooled containers wait to be handed out, and returns their ids. */
export async function poolReady(runner: RunnerHandle, count = 1): Promise<string[]> {
  await expect.poll(() => waitingPooledIds(runner).length, { timeout: 120_000, interval: 250 }).toBe(count);
  return waitingPooledIds(runner);
}
