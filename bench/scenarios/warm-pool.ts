// Warm create through the runner's pool (`pool` / CODEBOX_POOL): a create that takes a prepared
// sandbox, and from create to the first runCode result. Recorded as unavailable, labelled, where the
// runner has no such setting.
import { Sandbox } from '@codebox/core-client';
import { CONFIG_ENV_VARIABLES } from '../../packages/host-runner/dist/config.js';
import { startRunner } from '../../test/support/runner.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, unavailableResult, type Scenario } from '../scenario.ts';
import { percentile, summarize } from '../stats.ts';
import { QUOTED } from './quoted.ts';
import { poolReadyCount } from '../pool-ready.ts';

const POOL_SIZES = { 'code-interpreter-v1': 2, base: 1 } as const;
export const POOL_SETTING = Object.entries(POOL_SIZES).map(([name, size]) => `${name}=${size}`).join(',');
const FILL_TIMEOUT_MS = 180_000;

const WARM_CREATE = { id: 'warm-create', title: 'Warm create (pool)' } as const;
const WARM_FIRST = { id: 'warm-create-first-result', title: 'Create → first runCode result (pool)' } as const;
const METHOD = `A runner started with CODEBOX_POOL="${POOL_SETTING}"; once every template's pool is full, Sandbox.create through our client takes a prepared sandbox (timed), which is then killed; each timed create waits until the runner has logged every pool refilled, so no container start runs beside it. The baseline is this run's cold create.`;

export const warmPool: Scenario = {
  id: 'warm-pool',
  title: 'Warm create through the pool',
  async run(ctx): Promise<ScenarioResult[]> {
    const targets = {
      create: { description: 'warm Sandbox.create p50 ≤ 30 ms', metric: 'p50 of warm create', op: '<=', value: 30, unit: 'ms' },
      first: { description: 'create → first runCode result p50 ≤ 60 ms', metric: 'p50 of warm create → result', op: '<=', value: 60, unit: 'ms' },
    } as const;
    const quoted = [QUOTED.e2bCloudCreate, QUOTED.daytonaCreate];
    if (!CONFIG_ENV_VARIABLES.includes('CODEBOX_POOL')) {
      const reason = 'not available: no warm pool in this build (the runner has no `pool` setting; CODEBOX_POOL would be ignored)';
      ctx.progress(reason);
      return [
        unavailableResult({ ...WARM_CREATE, runtime: ctx.runtime, method: METHOD, reason, targets: [targets.create], quoted }),
        unavailableResult({ ...WARM_FIRST, runtime: ctx.runtime, method: METHOD, reason, targets: [targets.first] }),
      ];
    }
    let runner;
    try {
      runner = await startRunner({ env: { CODEBOX_RUNTIME: ctx.runtime, CODEBOX_POOL: POOL_SETTING } });
    } catch (error) {
      const reason = `not available: the runner refused CODEBOX_POOL="${POOL_SETTING}": ${String(error).split('\n').slice(0, 3).join(' ')}`;
      return [
        unavailableResult({ ...WARM_CREATE, runtime: ctx.runtime, method: METHOD, reason, targets: [targets.create], quoted }),
        unavailableResult({ ...WARM_FIRST, runtime: ctx.runtime, method: METHOD, reason, targets: [targets.first] }),
      ];
    }
    // sandboxUrl too: the environment's E2B_SANDBOX_URL points at the bench's other runner.
    const opts = { apiKey: runner.keys[0], apiUrl: runner.url, sandboxUrl: runner.url };
    const taken: Record<string, number> = {};
    // Before each timed create every pool is full again: no container start (the refill after the
    // previous hand-over, heavy under gVisor) runs beside the measured one.
    const poolsFull = async (): Promise<void> => {
      for (const [template, size] of Object.entries(POOL_SIZES)) await poolReadyCount(runner, template, size + (taken[template] ?? 0), FILL_TIMEOUT_MS);
    };
    try {
      const runs = ctx.runs(10, 3);
      const create: number[] = [];
      const first: number[] = [];
      for (let i = 0; i < runs; i++) {
        await poolsFull();
        ctx.progress(`warm create ${i + 1}/${runs}`);
        let began = performance.now();
        const base = await Sandbox.create('base', opts);
        create.push(performance.now() - began);
        taken.base = (taken.base ?? 0) + 1;
        await base.kill();
        await poolsFull();
        began = performance.now();
        const ci = await Sandbox.create('code-interpreter-v1', opts);
        const execution = await ci.runCode('1+1');
        if (execution.text !== '2') throw new Error(`runCode answered ${JSON.stringify(execution.text)}`);
        first.push(performance.now() - began);
        taken['code-interpreter-v1'] = (taken['code-interpreter-v1'] ?? 0) + 1;
        await ci.kill();
      }
      const createName = 'Sandbox.create("base") from a full pool, our client';
      const firstName = 'Sandbox.create("code-interpreter-v1") → runCode("1+1") result, from a full pool';
      return [
        measuredResult({
          ...WARM_CREATE,
          runtime: ctx.runtime,
          method: METHOD,
          samples: [summarize(createName, create)],
          measured: createName,
          baseline: { note: "this run's cold create (the cold-create row), the same call without a pool" },
          targets: [{ ...targets.create, actual: percentile(create, 50) }],
          quoted,
        }),
        measuredResult({
          ...WARM_FIRST,
          runtime: ctx.runtime,
          method: METHOD,
          samples: [summarize(firstName, first)],
          measured: firstName,
          baseline: { note: "this run's cold create → first result (the create-first-result row)" },
          targets: [{ ...targets.first, actual: percentile(first, 50) }],
        }),
      ];
    } finally {
      await runner.close();
    }
  },
};
