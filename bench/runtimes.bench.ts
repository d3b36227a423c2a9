// runc vs runsc (gVisor, ptrace platform) side by side: sandbox create, commands.run round trip,
// runCode("1+1") and a cold `import pandas` in a fresh sandbox, each through a real runner started
// with that runtime. Prints a table and writes a JSON report. Run with `npm run bench` (not CI).
// Skips runsc, saying so, where dockerd has no runsc runtime (scripts/register-runsc.sh).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Sandbox } from '@codebox/core-client';
import { runtimesToMeasure, startBenchRunner, type BenchRuntime } from './bench-runner.ts';
import { percentile, timeRuns, type Sample } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: process.env.BENCH_RUNTIMES_OUT ?? 'artifacts/runtimes.json' },
    'create-runs': { type: 'string', default: process.env.BENCH_CREATE_RUNS ?? '5' },
    'command-runs': { type: 'string', default: process.env.BENCH_COMMAND_RUNS ?? '30' },
    'import-runs': { type: 'string', default: process.env.BENCH_IMPORT_RUNS ?? '3' },
  },
});
const CREATE_RUNS = Number(args['create-runs']);
const COMMAND_RUNS = Number(args['command-runs']);
const IMPORT_RUNS = Number(args['import-runs']);

type Runtime = BenchRuntime;
const OPERATIONS = ['Sandbox.create + kill (base)', 'commands.run("echo hi")', 'runCode("1+1")', 'runCode("import pandas") in a fresh sandbox'] as const;

async function measure(runtime: Runtime): Promise<Sample[]> {
  const { runner, opts } = await startBenchRunner({ env: { CODEBOX_RUNTIME: runtime } });
  try {
    const create = await timeRuns(OPERATIONS[0], CREATE_RUNS, async () => {
      const sandbox = await Sandbox.create('base', opts);
      await sandbox.kill();
    });
    const sandbox = await Sandbox.create('code-interpreter-v1', opts);
    let command: Sample;
    let runCode: Sample;
    try {
      await sandbox.runCode('1+1');
      command = await timeRuns(OPERATIONS[1], COMMAND_RUNS, () => sandbox.commands.run('echo hi'));
      runCode = await timeRuns(OPERATIONS[2], COMMAND_RUNS, () => sandbox.runCode('1+1'));
    } finally {
      await sandbox.kill();
    }
    // A fresh sandbox each time: the first import reads and maps every module file, which is
    // where a second kernel's system-call cost shows; the page cache is warm after the first run.
    const importPandas: Sample = { name: OPERATIONS[3], ms: [] };
    for (let i = 0; i < IMPORT_RUNS; i++) {
      const fresh = await Sandbox.create('code-interpreter-v1', opts);
      try {
        await fresh.runCode('1+1');
        const start = performance.now();
        const execution = await fresh.runCode('import pandas', { timeoutMs: 120_000 });
        if (execution.error) throw new Error(`import pandas failed: ${execution.error.name}: ${execution.error.value}`);
        importPandas.ms.push(performance.now() - start);
      } finally {
        await fresh.kill();
      }
    }
    return [create, command, runCode, importPandas];
  } finally {
    await runner.close();
  }
}

const results: Partial<Record<Runtime, Sample[]>> = {};
for (const runtime of runtimesToMeasure()) {
  console.log(`== ${runtime}`);
  results[runtime] = await measure(runtime);
}

const summary = OPERATIONS.map((operation, i) => {
  const row: Record<string, unknown> = { operation };
  for (const runtime of ['runc', 'runsc'] as const) {
    const sample = results[runtime]?.[i];
    if (sample) row[runtime] = { runs: sample.ms.length, p50Ms: percentile(sample.ms, 50), p95Ms: percentile(sample.ms, 95) };
  }
  const runc = results.runc?.[i];
  const runsc = results.runsc?.[i];
  if (runc && runsc) row.runscOverRunc = percentile(runsc.ms, 50) / percentile(runc.ms, 50);
  return row;
});

const cell = (value: unknown): string => {
  const s = value as { p50Ms: number; p95Ms: number } | undefined;
  return s ? `${s.p50Ms.toFixed(1)} / ${s.p95Ms.toFixed(1)}` : '-';
};
const rows = summary.map((r) => [String(r.operation), cell(r.runc), cell(r.runsc), typeof r.runscOverRunc === 'number' ? r.runscOverRunc.toFixed(2) : '-']);
const header = ['operation', 'runc p50 / p95 ms', 'runsc p50 / p95 ms', 'runsc ÷ runc (p50)'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`\nrunc vs runsc (gVisor, ptrace), through a real runner\n`);
console.log(line(header));
console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
for (const row of rows) console.log(line(row));

mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(
  args.out,
  `${JSON.stringify({ benchmark: 'runtimes', at: new Date().toISOString(), runs: { create: CREATE_RUNS, command: COMMAND_RUNS, import: IMPORT_RUNS }, results: summary }, null, 2)}\n`,
);
console.log(`\nreport: ${args.out}`);
