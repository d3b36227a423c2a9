// `npm run bench`: every scenario against a real runner per runtime, a PASS/FAIL summary against
// issue 12's targets, and a JSON report (bench/report-schema.ts) that bench/report.ts turns into
// docs/benchmarks.md. See --help.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { runtimesToMeasure, startBenchRunner } from './bench-runner.ts';
import { describeMachine, gitState } from './machine.ts';
import { SCHEMA, type BenchReport, type Runtime, type ScenarioResult } from './report-schema.ts';
import { summaryLines } from './report.ts';
import { unavailableResult, type Scenario, type ScenarioContext } from './scenario.ts';
import { commandsAndFiles } from './scenarios/commands-files.ts';
import { concurrency } from './scenarios/concurrency.ts';
import { contexts } from './scenarios/contexts.ts';
import { density } from './scenarios/density.ts';
import { interpreter } from './scenarios/interpreter.ts';
import { lifecycle } from './scenarios/lifecycle.ts';
import { mcp } from './scenarios/mcp.ts';
import { pty } from './scenarios/pty.ts';
import { userPorts } from './scenarios/user-ports.ts';
import { warmPool } from './scenarios/warm-pool.ts';

const SCENARIOS: readonly Scenario[] = [lifecycle, warmPool, interpreter, commandsAndFiles, concurrency, density, contexts, mcp, userPorts, pty];
const ROOT = resolve(import.meta.dirname, '..');

const HELP = `Usage: npm run bench -- [options]      (bash bench/run.sh [options] is the same)

Starts a real runner per container runtime (runc, and runsc where dockerd has gVisor registered:
scripts/register-runsc.sh) and measures every scenario through the official SDKs and our client,
each beside a baseline doing the same operation (plain Docker, a warm interpreter, E2B's own
interpreter server when its image is present). Prints progress on stderr, then a summary with each
target of issue 12 as PASS/FAIL, and writes the report as JSON. About 12 minutes on a 2-core machine.

Scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}

Options:
  --quick              a smoke run: fewer repetitions everywhere (also BENCH_QUICK=1)
  --only ID[,ID]       run only these scenarios
  --runtimes R[,R]     runc and/or runsc (default: every one registered)
  --out-dir DIR        where the JSON goes (default artifacts/bench): <timestamp>.json and latest.json
  --note TEXT          a note for the report (repeatable), e.g. what else ran on the machine
  -h, --help           this text

Then: node bench/report.ts --help (docs/benchmarks.md from a report).
Environment: BENCH_E2B_IMAGE (E2B's interpreter server image, default e2b-code-interpreter:local;
bench/e2b-server-image/build.ts builds it without PyPI).`;

const { values: args } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h', default: false },
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    only: { type: 'string' },
    runtimes: { type: 'string' },
    'out-dir': { type: 'string', default: join(ROOT, 'artifacts/bench') },
    note: { type: 'string', multiple: true, default: [] },
  },
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const only = args.only?.split(',').map((s) => s.trim());
const unknown = only?.filter((id) => !SCENARIOS.some((s) => s.id === id)) ?? [];
if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; pick from ${SCENARIOS.map((s) => s.id).join(', ')}`);
const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.id));
const registered = runtimesToMeasure();
const runtimes = (args.runtimes?.split(',').map((s) => s.trim()) ?? registered) as Runtime[];
for (const runtime of runtimes) {
  if (!registered.includes(runtime)) throw new Error(`runtime ${runtime} is not available here (registered: ${registered.join(', ')})`);
}

const docker = new Docker();
const began = Date.now();
// The code measured is the code at the start; edits made while it runs are not in the numbers.
const git = gitState(ROOT);
const loadAtStart = loadavg();
const progress = (where: string) => (message: string) => {
  const s = Math.round((Date.now() - began) / 1000);
  console.error(`[bench ${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')} ${where}] ${message}`);
};

const results: ScenarioResult[] = [];
for (const runtime of runtimes) {
  progress(runtime)('starting a runner');
  // The load scenarios hold up to 25 sandboxes of one key at once, beyond the default per-key cap.
  const { runner, opts } = await startBenchRunner({ env: { CODEBOX_RUNTIME: runtime, CODEBOX_MAX_SANDBOXES_PER_TENANT: '40' } });
  try {
    for (const scenario of scenarios) {
      const context: ScenarioContext = {
        runtime,
        quick: args.quick,
        runner,
        opts,
        docker,
        progress: progress(`${runtime} ${scenario.id}`),
        runs: (full, quick) => (args.quick ? quick : full),
      };
      try {
        results.push(...(await scenario.run(context)));
      } catch (error) {
        const reason = `failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.split('\n')[0]!.slice(0, 300);
        context.progress(reason);
        results.push(unavailableResult({ id: scenario.id, title: scenario.title, runtime, method: 'see the scenario', reason, status: 'failed' }));
      }
    }
  } finally {
    await runner.close();
  }
}

const loadNote =
  loadAtStart[0]! > 1 || loadavg()[0]! > 1
    ? [`The machine was shared with other work while this ran (load average ${loadAtStart[0]!.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end, on ${(await describeMachine(docker, runtimes, loadAtStart)).cpus} cores): read the ratios to the baselines, measured in the same minutes, before the absolute numbers.`]
    : [];
const report: BenchReport = {
  schema: SCHEMA,
  date: new Date(began).toISOString(),
  git,
  machine: await describeMachine(docker, runtimes, loadAtStart),
  quick: args.quick,
  seconds: Math.round((Date.now() - began) / 1000),
  notes: [...args.note, ...loadNote],
  scenarios: results,
};

console.log(`\n${summaryLines(report).join('\n')}\n`);
mkdirSync(args['out-dir'], { recursive: true });
const file = join(args['out-dir'], `${report.date.replace(/[:.]/g, '-')}.json`);
const text = `${JSON.stringify(report, null, 1)}\n`;
writeFileSync(file, text);
writeFileSync(join(args['out-dir'], 'latest.json'), text);
console.log(`report: ${file} (and latest.json); docs: node bench/report.ts --json ${file}`);
