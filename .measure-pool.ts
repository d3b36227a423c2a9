import { Sandbox } from '@e2b/code-interpreter';
import { execFileSync } from 'node:child_process';
import { startBenchRunner } from './bench/bench-runner.ts';

const T = 'code-interpreter-v1';
const N = Number(process.env.N ?? 7);
const p50 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function measure(pool: boolean, envs: Record<string, string> | undefined): Promise<{ create: number[]; first: number[] }> {
  const { runner } = await startBenchRunner({ env: { CODEBOX_POOL: pool ? `${T}=1` : `${T}=0,base=0` } });
  const waiting = (): number =>
    execFileSync('docker', ['ps', '--filter', `label=codebox.runner=${runner.runnerName}`, '--filter', 'label=codebox.pooled=true', '--format', '{{.Label "codebox.sandbox-id"}}'], { encoding: 'utf8' })
      .split('\n').filter(Boolean).filter((id) => !execFileSync('ls', [`${runner.dataDir}/sandboxes/${id}`], { encoding: 'utf8' }).includes('owner.json')).length;
  const create: number[] = [];
  const first: number[] = [];
  try {
    for (let i = 0; i < N + 1; i++) {
      if (pool) {
        const deadline = Date.now() + 60_000;
        while (waiting() < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        await new Promise((r) => setTimeout(r, 1500)); // let the kernel warm up and the machine settle
      }
      const t0 = performance.now();
      const sandbox = await Sandbox.create(T, envs ? { envs } : {});
      const t1 = performance.now();
      const result = await sandbox.runCode('1+1');
      const t2 = performance.now();
      if (result.text !== '2') throw new Error(`runCode gave ${result.text}`);
      if (i > 0) {
        create.push(t1 - t0);
        first.push(t2 - t0);
      }
      await sandbox.kill();
    }
  } finally {
    await runner.close();
  }
  return { create, first };
}

for (const [name, pool, envs] of [
  ['cold', false, undefined],
  ['warm', true, undefined],
  ['cold+envs', false, { A: '1' }],
  ['warm+envs', true, { A: '1' }],
] as const) {
  const r = await measure(pool, envs);
  console.log(JSON.stringify({ name, n: r.create.length, createP50: Math.round(p50(r.create)), firstResultP50: Math.round(p50(r.first)), create: r.create.map(Math.round), first: r.first.map(Math.round) }));
}
