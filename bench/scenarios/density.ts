// Idle density: what an idle code-interpreter sandbox (default Python kernel started and used once)
// costs, and how many fit in 24 GiB, with what bounds that count.
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import { Sandbox } from '@codebox/core-client';
import { loadConfig } from '../../packages/host-runner/dist/config.js';
import { containerUsage as usage } from '../container-memory.ts';
import { createPlain, removePlain, sandboxImage } from '../plain-container.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { percentile, summarize } from '../stats.ts';
import { QUOTED } from './quoted.ts';

const BUDGET_GIB = 24;
/** Idle means idle: let the kernels' start-up garbage settle before reading the cgroups. */
const SETTLE_MS = 5_000;

export const density: Scenario = {
  id: 'density',
  title: 'Idle density',
  async run(ctx): Promise<ScenarioResult[]> {
    const count = ctx.runs(8, 3);
    ctx.progress(`${count} idle code-interpreter sandboxes`);
    const sandboxes = await Promise.all(Array.from({ length: count }, () => Sandbox.create('code-interpreter-v1', ctx.opts)));
    const baseline: Docker.Container[] = [];
    try {
      await Promise.all(sandboxes.map(async (s) => (await s.runCode('1+1')).text));
      const image = await sandboxImage(ctx.docker, sandboxes[0]!.sandboxId);
      for (let i = 0; i < Math.min(count, 2); i++) {
        const container = await createPlain(ctx.docker, {
          image,
          runtime: ctx.runtime,
          cmd: ['python3', '-c', 'from IPython.core.interactiveshell import InteractiveShell as S; S.instance().run_cell("1+1"); import time; time.sleep(10**6)'],
        });
        baseline.push(container);
        await container.start();
      }
      await new Promise((r) => setTimeout(r, SETTLE_MS));
      const ours = await Promise.all(sandboxes.map((s) => usage(ctx.docker.getContainer(`codebox-${s.sandboxId}`))));
      const plain = await Promise.all(baseline.map((c) => usage(c)));
      const name = 'idle code-interpreter sandbox (Python kernel started, one runCode): memory';
      const baseName = 'plain container of the same image, python3 with IPython\'s shell loaded, idle: memory';
      const mib = percentile(ours.map((u) => u.mib), 50);
      const pids = percentile(ours.map((u) => u.pids), 50);
      const byMemory = Math.floor((BUDGET_GIB * 1024) / mib);
      const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
      const byPids = Math.floor(pidMax / pids);
      const cap = (await loadConfig({ env: {} })).quotas.maxSandboxes;
      const bounds: [string, number][] = [
        ['memory', byMemory],
        ['pids', byPids],
        ["the runner's cap (quotas.maxSandboxes, default; configurable)", cap],
      ];
      const [bound] = [...bounds].sort((a, b) => a[1] - b[1]);
      return [
        measuredResult({
          id: 'idle-density',
          title: 'Idle density (code-interpreter)',
          runtime: ctx.runtime,
          method: `${count} code-interpreter sandboxes, each with its default Python kernel started and one runCode("1+1") done, then ${SETTLE_MS / 1000} s idle; each container's cgroup memory less page cache. The baseline is a plain container of the same image holding the same IPython shell, idle.`,
          samples: [
            summarize(name, ours.map((u) => u.mib), { unit: 'MiB' }),
            summarize(baseName, plain.map((u) => u.mib), { unit: 'MiB' }),
            summarize('idle code-interpreter sandbox: tasks (pids)', ours.map((u) => u.pids), { unit: 'count' }),
          ],
          measured: name,
          baseline: { sample: baseName, note: 'the same interpreter state with Docker alone' },
          targets: [{ description: `≥ 200 idle code-interpreter sandboxes in ${BUDGET_GIB} GiB (by memory)`, metric: `${BUDGET_GIB} GiB ÷ p50 memory`, op: '>=', value: 200, unit: 'sandboxes', actual: byMemory }],
          quoted: [QUOTED.issueIdle],
          figures: {
            [`fit in ${BUDGET_GIB} GiB by memory`]: byMemory,
            [`fit by pids (kernel.pid_max ${pidMax} ÷ ${pids} tasks)`]: byPids,
            "the runner's sandbox cap (quotas.maxSandboxes)": cap,
            'bounded by': bound ? `${bound[0]} (${bound[1]})` : 'unknown',
          },
        }),
      ];
    } finally {
      await Promise.all([...sandboxes.map((s) => s.kill().catch(() => undefined)), ...baseline.map((c) => removePlain(c))]);
    }
  },
};
