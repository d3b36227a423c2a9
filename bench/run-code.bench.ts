// runCode("1+1") latency through the official @e2b/code-interpreter SDK and through our client,
// against a fresh `python3 -c` per call (what a sandbox without a stateful kernel would do) as
// the baseline; and the idle memory a sandbox holds. Run with `npm run bench` (not part of CI).
import Docker from 'dockerode';
import * as e2bInterpreter from '@e2b/code-interpreter';
import { Sandbox } from '@codebox/core-client';
import { startBenchRunner } from './bench-runner.ts';
import { percentile, printTable, timeRuns } from './stats.ts';

const RUNS = Number(process.env.BENCH_RUN_CODE_RUNS ?? 200);
const IDLE_SANDBOXES = Number(process.env.BENCH_IDLE_SANDBOXES ?? 3);

const { runner, opts } = await startBenchRunner();
const docker = new Docker();

/** Memory the container's cgroup charges, less reclaimable page cache (cgroup v1 and v2). */
async function containerMemoryMiB(sandboxId: string): Promise<number> {
  const stats = await docker.getContainer(`codebox-${sandboxId}`).stats({ stream: false });
  const usage = stats.memory_stats.usage ?? 0;
  const extra = stats.memory_stats.stats as Record<string, number> | undefined;
  const cache = extra?.total_inactive_file ?? extra?.inactive_file ?? extra?.cache ?? 0;
  return (usage - cache) / 2 ** 20;
}

try {
  const sandbox = await Sandbox.create('code-interpreter-v1', opts);
  const viaE2b = await e2bInterpreter.Sandbox.connect(sandbox.sandboxId);
  try {
    await sandbox.runCode('1+1'); // the default Python kernel is warm from the start; make sure
    const baseline = await timeRuns('commands.run(\'python3 -c "print(1+1)"\') (no kernel)', Math.min(RUNS, 50), () =>
      sandbox.commands.run('python3 -c "print(1+1)"'),
    );
    const ours = await timeRuns('Codebox runCode("1+1")', RUNS, () => sandbox.runCode('1+1'));
    const theirs = await timeRuns('@e2b/code-interpreter runCode("1+1")', RUNS, () => viaE2b.runCode('1+1'));
    const js = await timeRuns('Codebox runCode("1+1", javascript)', RUNS, () => sandbox.runCode('1+1', { language: 'javascript' }));
    printTable(`runCode round trip through the runner (p50 target ≤ 5 ms)`, baseline, [ours, theirs, js]);
  } finally {
    await sandbox.kill();
  }

  for (const template of ['base', 'code-interpreter-v1']) {
    const sandboxes = await Promise.all(Array.from({ length: IDLE_SANDBOXES }, () => Sandbox.create(template, opts)));
    try {
      if (template === 'code-interpreter-v1') await Promise.all(sandboxes.map((s) => s.runCode('1+1')));
      await new Promise((r) => setTimeout(r, 3_000));
      const mib = await Promise.all(sandboxes.map((s) => containerMemoryMiB(s.sandboxId)));
      console.log(
        `\nIdle memory per ${template} sandbox (${IDLE_SANDBOXES} sandboxes${template === 'base' ? '' : ', default Python kernel started'}): ` +
          `median ${percentile(mib, 50).toFixed(1)} MiB (target ≤ 60 MiB)`,
      );
    } finally {
      await Promise.all(sandboxes.map((s) => s.kill()));
    }
  }
} finally {
  await runner.close();
}
