// PTY keystroke round trip, runc and runsc side by side: one key sent with `pty.sendInput` until
// the terminal's echo of it arrives through the `pty.create` stream (what a user typing into a web
// terminal waits for), over a real runner started with each runtime. Prints p50/p95 and writes a
// JSON report. Run with `npm run bench` (not CI). Skips runsc where dockerd has no runsc runtime.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Sandbox } from '@codebox/core-client';
import { startBenchRunner } from './bench-runner.ts';
import { percentile, type Sample } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: process.env.BENCH_PTY_OUT ?? 'artifacts/pty-echo.json' },
    keys: { type: 'string', default: process.env.BENCH_PTY_KEYS ?? '100' },
  },
});
const KEYS = Number(args.keys);

async function measure(runtime: string): Promise<Sample> {
  const { runner, opts } = await startBenchRunner({ env: { CODEBOX_RUNTIME: runtime } });
  try {
    const sandbox = await Sandbox.create('base', opts);
    try {
      let waiting: { key: string; resolve: () => void } | undefined;
      const terminal = await sandbox.pty.create({
        cols: 80,
        rows: 24,
        onData: (data) => {
          if (waiting && new TextDecoder().decode(data).includes(waiting.key)) waiting.resolve();
        },
      });
      // `cat` in raw mode echoes each key by itself, with no prompt or line editing in between.
      await sandbox.pty.sendInput(terminal.pid, new TextEncoder().encode('stty raw -echo; cat\r'));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const ms: number[] = [];
      for (let i = 0; i < KEYS; i++) {
        const key = String.fromCharCode(97 + (i % 26));
        const echoed = new Promise<void>((resolve) => (waiting = { key, resolve }));
        const start = performance.now();
        await sandbox.pty.sendInput(terminal.pid, new TextEncoder().encode(key));
        await echoed;
        ms.push(performance.now() - start);
      }
      await sandbox.pty.kill(terminal.pid);
      return { name: `${runtime}: keystroke echo`, ms };
    } finally {
      await sandbox.kill();
    }
  } finally {
    await runner.close();
  }
}

const runtimes = Object.keys(JSON.parse(execFileSync('docker', ['info', '--format', '{{json .Runtimes}}'], { encoding: 'utf8' })) as object);
const samples: Sample[] = [];
for (const runtime of ['runc', 'runsc']) {
  // The runner names its gVisor runtimes codebox-runsc(-offline) (scripts/register-runsc.sh).
  if (!runtimes.includes(runtime === 'runsc' ? 'codebox-runsc' : runtime)) {
    console.log(`${runtime}: not registered with dockerd, skipped (scripts/register-runsc.sh)`);
    continue;
  }
  samples.push(await measure(runtime));
}
for (const sample of samples) {
  console.log(`${sample.name}: n=${sample.ms.length} p50=${percentile(sample.ms, 50).toFixed(1)} ms p95=${percentile(sample.ms, 95).toFixed(1)} ms`);
}
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, JSON.stringify({ keys: KEYS, samples }, null, 2));
