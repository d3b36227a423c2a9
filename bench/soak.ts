// Soak: N concurrent sandboxes doing mixed work against one real runner for a fixed time, with
// the runner's memory sampled throughout. Not part of CI or `npm run bench` (it runs for half an
// hour by default): `npm run soak -- --help`.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { Sandbox } from '@codebox/core-client';
import { startBenchRunner } from './bench-runner.ts';
import { percentile } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: process.env.SOAK_MINUTES ?? '30' },
    concurrency: { type: 'string', default: process.env.SOAK_CONCURRENCY ?? '20' },
    'ops-per-sandbox': { type: 'string', default: '25' },
    out: { type: 'string', default: 'artifacts/soak.json' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(`Usage: npm run soak -- [--minutes 30] [--concurrency 20] [--ops-per-sandbox 25] [--out artifacts/soak.json]

Starts a real runner and keeps --concurrency workers busy for --minutes. Each worker creates a
code-interpreter sandbox, runs --ops-per-sandbox mixed operations on it (runCode, commands, file
write/read/list), kills it and starts over. Every request's outcome is counted; the runner's
resident memory is sampled every 10 s. Writes a JSON report and prints a summary; exits non-zero
when any request failed.`);
  process.exit(0);
}

const minutes = Number(args.minutes);
const concurrency = Number(args.concurrency);
const opsPerSandbox = Number(args['ops-per-sandbox']);
const deadline = Date.now() + minutes * 60_000;

interface Failure {
  readonly op: string;
  readonly at: string;
  readonly message: string;
}
const durations = new Map<string, number[]>();
const failures: Failure[] = [];
const rss: { t: number; mib: number }[] = [];

async function timed<T>(op: string, run: () => Promise<T>): Promise<T | undefined> {
  const start = performance.now();
  try {
    const value = await run();
    const list = durations.get(op) ?? [];
    list.push(performance.now() - start);
    durations.set(op, list);
    return value;
  } catch (err) {
    failures.push({ op, at: new Date().toISOString(), message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    return undefined;
  }
}

/** One mixed operation; which one rotates so every sandbox sees every kind. */
async function mixedOp(sandbox: Sandbox, worker: number, i: number): Promise<void> {
  switch (i % 5) {
    case 0:
      await timed('runCode python', async () => {
        const execution = await sandbox.runCode(`x = ${i}\nsum(range(x * 1000))`);
        if (execution.error) throw new Error(`${execution.error.name}: ${execution.error.value}`);
        if (execution.text !== String(((i * 1000 - 1) * i * 1000) / 2)) throw new Error(`unexpected result ${execution.text}`);
      });
      break;
    case 1:
      await timed('commands.run', async () => {
        const result = await sandbox.commands.run(`echo worker-${worker}-${i} && ls /home/user | wc -l`);
        if (!result.stdout.startsWith(`worker-${worker}-${i}\n`)) throw new Error(`unexpected stdout ${JSON.stringify(result.stdout)}`);
      });
      break;
    case 2:
      await timed('files.write+read 64 KiB', async () => {
        const payload = new Uint8Array(64 * 1024).fill(i % 251);
        await sandbox.files.write(`/home/user/f${i}.bin`, payload);
        const back = await sandbox.files.read(`/home/user/f${i}.bin`, { format: 'bytes' });
        if (back.length !== payload.length || back[100] !== i % 251) throw new Error('file round trip changed the bytes');
      });
      break;
    case 3:
      await timed('files.list', async () => {
        await sandbox.files.list('/home/user');
      });
      break;
    default:
      await timed('runCode javascript', async () => {
        const execution = await sandbox.runCode(`[${i}, ${worker}].join('-')`, { language: 'javascript' });
        if (execution.error) throw new Error(`${execution.error.name}: ${execution.error.value}`);
      });
  }
}

async function worker(index: number, opts: { apiKey: string; apiUrl: string }): Promise<void> {
  while (Date.now() < deadline) {
    const sandbox = await timed('Sandbox.create', () => Sandbox.create('code-interpreter-v1', { ...opts, timeoutMs: 10 * 60_000 }));
    if (!sandbox) {
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      for (let i = 0; i < opsPerSandbox && Date.now() < deadline; i++) await mixedOp(sandbox, index, i);
    } finally {
      await timed('Sandbox.kill', () => sandbox.kill());
    }
  }
}

function readRssMiB(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Least-squares slope of memory over time, in MiB per hour. */
function slopeMiBPerHour(samples: readonly { t: number; mib: number }[]): number {
  const n = samples.length;
  if (n < 2) return 0;
  const mt = samples.reduce((a, s) => a + s.t, 0) / n;
  const mm = samples.reduce((a, s) => a + s.mib, 0) / n;
  const num = samples.reduce((a, s) => a + (s.t - mt) * (s.mib - mm), 0);
  const den = samples.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 3_600_000;
}

// The per-key sandbox cap (16 by default) must not be what the soak measures: kills are still in flight when the next create comes.
const { runner, opts } = await startBenchRunner({ env: { CODEBOX_MAX_SANDBOXES_PER_TENANT: String(concurrency * 2) } });
const startedAt = Date.now();
const sampler = setInterval(() => {
  const pid = runner.pid();
  const mib = pid === undefined ? undefined : readRssMiB(pid);
  if (mib !== undefined) rss.push({ t: Date.now() - startedAt, mib });
}, 10_000);
const progress = setInterval(() => {
  const done = [...durations.values()].reduce((a, l) => a + l.length, 0);
  console.error(`soak: ${((Date.now() - startedAt) / 60_000).toFixed(1)}/${minutes} min, ${done} ok, ${failures.length} failed, runner ${rss.at(-1)?.mib.toFixed(0) ?? '?'} MiB`);
}, 60_000);

try {
  await Promise.all(Array.from({ length: concurrency }, (_, i) => worker(i, opts)));
} finally {
  clearInterval(sampler);
  clearInterval(progress);
  await runner.close();
}

// Memory after the first tenth of the run (warm-up: caches, pools, JIT) is what must stay flat.
const warm = rss.filter((s) => s.t >= (minutes * 60_000) / 10);
const ops = Object.fromEntries(
  [...durations].map(([op, ms]) => [op, { count: ms.length, p50Ms: percentile(ms, 50), p95Ms: percentile(ms, 95), maxMs: Math.max(...ms) }]),
);
const total = [...durations.values()].reduce((a, l) => a + l.length, 0);
const report = {
  kind: 'soak',
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: totalmem() / 2 ** 30, node: process.version },
  minutes,
  concurrency,
  opsPerSandbox,
  requests: { ok: total, failed: failures.length },
  ops,
  runnerRssMiB: {
    first: warm[0]?.mib,
    last: warm.at(-1)?.mib,
    max: Math.max(...rss.map((s) => s.mib)),
    slopeMiBPerHour: slopeMiBPerHour(warm),
    samples: rss,
  },
  failures: failures.slice(0, 100),
};
mkdirSync('artifacts', { recursive: true });
writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);

console.log(`\nSoak: ${minutes} min, ${concurrency} concurrent sandboxes, ${total} requests ok, ${failures.length} failed`);
for (const [op, s] of Object.entries(ops)) console.log(`  ${op.padEnd(26)} ${String(s.count).padStart(7)}  p50 ${s.p50Ms.toFixed(1)} ms  p95 ${s.p95Ms.toFixed(1)} ms`);
console.log(
  `  runner RSS after warm-up: ${report.runnerRssMiB.first?.toFixed(0)} → ${report.runnerRssMiB.last?.toFixed(0)} MiB (max ${report.runnerRssMiB.max.toFixed(0)}, slope ${report.runnerRssMiB.slopeMiBPerHour.toFixed(1)} MiB/h)`,
);
console.log(`  report: ${args.out}`);
for (const f of failures.slice(0, 10)) console.log(`  failed ${f.op} at ${f.at}: ${f.message}`);
process.exitCode = failures.length === 0 ? 0 : 1;
