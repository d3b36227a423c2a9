// Load: 25 concurrent creates, 3 bursts of 50 concurrent executions, and 20 executions/s sustained
// for 60 s (open loop: a request every 50 ms whether or not the earlier ones answered).
import * as e2b from 'e2b';
import { Sandbox } from '@codebox/core-client';
import { createPlain, removePlain, sandboxImage } from '../plain-container.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario, type ScenarioContext } from '../scenario.ts';
import { errorText, summarize, summarizeTimed, timeEach } from '../stats.ts';
import { createdWarmCold, poolReadyCount } from '../pool-ready.ts';
import { startRunner } from '../../test/support/runner.ts';

const CONCURRENT_CREATES = 25;
const EXEC_SANDBOXES = 5;
const BURST = 50;
const BURSTS = 3;
const RATE_PER_S = 20;
/** The warm burst's pool: one pooled `base` container per create of the burst. */
const BURST_POOL = `base=${CONCURRENT_CREATES}`;

async function timed<T>(once: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const began = performance.now();
  try {
    const value = await once();
    return { ms: performance.now() - began, value };
  } catch (error) {
    return { ms: performance.now() - began, error };
  }
}

async function runOnce(sandbox: Sandbox): Promise<void> {
  const execution = await sandbox.runCode('1+1');
  if (execution.text !== '2') throw new Error(`runCode answered ${JSON.stringify(execution.text)}`);
}

export const concurrency: Scenario = {
  id: 'concurrency',
  title: 'Concurrent creates, bursts, sustained rate',
  async run(ctx): Promise<ScenarioResult[]> {
    return [await concurrentCreates(ctx), await concurrentWarmCreates(ctx), ...(await executions(ctx))];
  },
};

async function concurrentCreates(ctx: ScenarioContext): Promise<ScenarioResult> {
  ctx.progress(`${CONCURRENT_CREATES} concurrent Sandbox.create("base")`);
  const outcomes = await Promise.all(Array.from({ length: CONCURRENT_CREATES }, () => timed(() => e2b.Sandbox.create('base'))));
  const created = outcomes.flatMap((o) => (o.value ? [o.value] : []));
  const image = created[0] ? await sandboxImage(ctx.docker, created[0].sandboxId) : undefined;
  // One sandbox stays until the baseline is done: it holds the image (sandboxImage).
  await Promise.all(created.slice(1).map((s) => s.kill().catch(() => undefined)));
  const failures = outcomes.filter((o) => o.error !== undefined);
  if (failures[0]) ctx.progress(`${failures.length} creates failed, e.g. ${errorText(failures[0].error)}`);
  const docker: number[] = [];
  if (image) {
    ctx.progress(`${CONCURRENT_CREATES} concurrent docker create + start baseline`);
    const plain = await Promise.all(
      Array.from({ length: CONCURRENT_CREATES }, () =>
        timed(async () => {
          const container = await createPlain(ctx.docker, { image, runtime: ctx.runtime, cmd: ['sleep', 'infinity'] });
          await container.start().catch(async (error: unknown) => {
            await removePlain(container);
            throw error;
          });
          return container;
        }),
      ),
    );
    await Promise.all(plain.flatMap((o) => (o.value ? [removePlain(o.value)] : [])));
    docker.push(...plain.filter((o) => o.value).map((o) => o.ms));
  }
  await created[0]?.kill().catch(() => undefined);
  const name = `Sandbox.create("base") × ${CONCURRENT_CREATES} at once, official SDK: each create's time`;
  const baseName = `docker create + start × ${CONCURRENT_CREATES} at once, same image and runtime`;
  const ok = outcomes.filter((o) => o.value).map((o) => o.ms);
  const sample = summarize(name, ok, { errors: failures.length, firstError: failures[0] && errorText(failures[0].error) });
  return measuredResult({
    id: 'concurrent-creates-25',
    title: `${CONCURRENT_CREATES} concurrent creates`,
    runtime: ctx.runtime,
    method: `${CONCURRENT_CREATES} creates sent at once (no pool), each one's time from the call to its answer; then all killed. The baseline starts ${CONCURRENT_CREATES} plain containers of the same image at once.`,
    samples: [sample, summarize(baseName, docker)],
    measured: name,
    baseline: { sample: baseName, note: 'the same concurrency on Docker alone' },
    targets: [
      { description: 'all creates succeed', metric: 'failed creates', op: '<=', value: 0, unit: 'creates', actual: failures.length },
    ],
  });
}

/**
 * The same burst against a runner whose `base` pool holds one container per create, full before
 * the burst: 25 hand-overs at once (issue 12's target is for this case). Its own runner, so the
 * other scenarios' runner keeps no pool.
 */
async function concurrentWarmCreates(ctx: ScenarioContext): Promise<ScenarioResult> {
  const name = `Sandbox.create("base") × ${CONCURRENT_CREATES} at once from a full pool, official SDK: each create's time`;
  ctx.progress(`a runner with CODEBOX_POOL="${BURST_POOL}"; waiting for the pool to fill`);
  const runner = await startRunner({ env: { CODEBOX_RUNTIME: ctx.runtime, CODEBOX_POOL: BURST_POOL, CODEBOX_MAX_SANDBOXES_PER_TENANT: '40' } });
  try {
    await poolReadyCount(runner, 'base', CONCURRENT_CREATES, 600_000);
    const opts = { apiKey: runner.keys[0], apiUrl: runner.url, sandboxUrl: runner.url };
    const before = runner.output().length;
    ctx.progress(`${CONCURRENT_CREATES} concurrent Sandbox.create("base") from the pool`);
    const outcomes = await Promise.all(Array.from({ length: CONCURRENT_CREATES }, () => timed(() => e2b.Sandbox.create('base', opts))));
    const { warm, cold } = await createdWarmCold(runner, before, outcomes.filter((o) => o.value).length);
    await Promise.all(outcomes.flatMap((o) => (o.value ? [o.value.kill().catch(() => undefined)] : [])));
    const failures = outcomes.filter((o) => o.error !== undefined);
    if (failures[0]) ctx.progress(`${failures.length} creates failed, e.g. ${errorText(failures[0].error)}`);
    const sample = summarize(
      name,
      outcomes.filter((o) => o.value).map((o) => o.ms),
      { errors: failures.length, firstError: failures[0] && errorText(failures[0].error) },
    );
    return measuredResult({
      id: 'concurrent-creates-25-pool',
      title: `${CONCURRENT_CREATES} concurrent creates, pool warm`,
      runtime: ctx.runtime,
      method: `A runner started with CODEBOX_POOL="${BURST_POOL}" (one pooled container per create); once all ${CONCURRENT_CREATES} have been logged ready, ${CONCURRENT_CREATES} creates are sent at once, each one's time from the call to its answer; then all killed. The baseline is the cold burst (the concurrent-creates-25 row).`,
      samples: [sample],
      measured: name,
      baseline: { note: 'the same burst without a pool (the concurrent-creates-25 row)' },
      targets: [
        { description: 'all creates succeed', metric: 'failed creates', op: '<=', value: 0, unit: 'creates', actual: failures.length },
        { description: 'p95 ≤ 1 s with the pool warm', metric: `p95 of ${name}`, op: '<=', value: 1000, unit: 'ms', actual: sample.p95 },
      ],
      figures: { 'creates served from the pool': warm, 'creates that went cold': cold },
    });
  } finally {
    await runner.close();
  }
}

async function executions(ctx: ScenarioContext): Promise<ScenarioResult[]> {
  ctx.progress(`${EXEC_SANDBOXES} code-interpreter sandboxes for the execution load`);
  const sandboxes = await Promise.all(Array.from({ length: EXEC_SANDBOXES }, () => Sandbox.create('code-interpreter-v1', ctx.opts)));
  try {
    await Promise.all(sandboxes.map((s) => runOnce(s)));
    // Untimed: every kernel past its first cells before anything is measured.
    for (let i = 0; i < 2 * EXEC_SANDBOXES; i++) await runOnce(sandboxes[i % EXEC_SANDBOXES]!);
    const one = await timeEach(ctx.runs(50, 10), (i) => runOnce(sandboxes[i % EXEC_SANDBOXES]!));
    const oneName = 'runCode("1+1") one at a time, same sandboxes';
    const oneSample = summarizeTimed(oneName, one);

    const burstMs: number[] = [];
    const burstWall: number[] = [];
    let burstErrors = 0;
    let burstError: string | undefined;
    for (let b = 0; b < BURSTS; b++) {
      ctx.progress(`burst ${b + 1}/${BURSTS} of ${BURST} runCode at once`);
      const began = performance.now();
      const outcomes = await Promise.all(Array.from({ length: BURST }, (_, i) => timed(() => runOnce(sandboxes[i % EXEC_SANDBOXES]!))));
      burstWall.push(performance.now() - began);
      for (const o of outcomes) if (o.error === undefined) burstMs.push(o.ms);
      const failed = outcomes.filter((o) => o.error !== undefined);
      burstErrors += failed.length;
      burstError ??= failed[0] && errorText(failed[0].error);
    }
    const burstName = `runCode("1+1"), ${BURST} at once over ${EXEC_SANDBOXES} sandboxes: each execution's time`;

    const seconds = ctx.quick ? 10 : 60;
    ctx.progress(`${RATE_PER_S} runCode/s for ${seconds} s`);
    const sustained: Promise<{ ms: number; error?: unknown }>[] = [];
    const began = performance.now();
    for (let i = 0; i < RATE_PER_S * seconds; i++) {
      // Open loop: each request leaves on its schedule, however slow the earlier ones are.
      const due = began + (i * 1000) / RATE_PER_S;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      sustained.push(timed(() => runOnce(sandboxes[i % EXEC_SANDBOXES]!)));
      if (i % (RATE_PER_S * 10) === 0 && i > 0) ctx.progress(`sustained: ${i / RATE_PER_S} s`);
    }
    const done = await Promise.all(sustained);
    const wall = (performance.now() - began) / 1000;
    const sustainedErrors = done.filter((o) => o.error !== undefined).length;
    const sustainedName = `runCode("1+1") at ${RATE_PER_S}/s for ${seconds} s over ${EXEC_SANDBOXES} sandboxes: each execution's time`;
    const sustainedSample = summarize(
      sustainedName,
      done.filter((o) => o.error === undefined).map((o) => o.ms),
      { errors: sustainedErrors, firstError: done.find((o) => o.error !== undefined) && errorText(done.find((o) => o.error !== undefined)?.error) },
    );
    const note = 'the same execution with nothing else in flight';
    return [
      measuredResult({
        id: 'bursts-50',
        title: `${BURSTS} bursts of ${BURST} concurrent executions`,
        runtime: ctx.runtime,
        method: `${EXEC_SANDBOXES} code-interpreter sandboxes (Python kernels warm); ${BURSTS} times ${BURST} runCode("1+1") sent at once, ${BURST / EXEC_SANDBOXES} per sandbox (each kernel runs its cells in turn), through our client.`,
        samples: [summarize(burstName, burstMs, { errors: burstErrors, firstError: burstError }), summarize(`burst wall time (${BURST} executions)`, burstWall), oneSample],
        measured: burstName,
        baseline: { sample: oneName, note },
        targets: [{ description: 'no failed execution', metric: 'failed executions', op: '<=', value: 0, unit: 'executions', actual: burstErrors }],
      }),
      measuredResult({
        id: 'sustained-20-per-s',
        title: `Sustained ${RATE_PER_S} executions/s for ${seconds} s`,
        runtime: ctx.runtime,
        method: `The same ${EXEC_SANDBOXES} sandboxes; a runCode("1+1") every ${1000 / RATE_PER_S} ms for ${seconds} s, round robin, whatever the earlier ones are doing (open loop).`,
        samples: [sustainedSample, oneSample],
        measured: sustainedName,
        baseline: { sample: oneName, note },
        targets: [{ description: 'no failed execution', metric: 'failed executions', op: '<=', value: 0, unit: 'executions', actual: sustainedErrors }],
        figures: { 'achieved rate (executions/s)': Math.round((done.length / wall) * 10) / 10 },
      }),
    ];
  } finally {
    await Promise.all(sandboxes.map((s) => s.kill().catch(() => undefined)));
  }
}
