// Cold create (the official SDK against plain `docker create` + `start` of the same image), and the
// first command after create against the steady state in the same sandboxes.
import * as e2b from 'e2b';
import { createPlain, removePlain, sandboxImage } from '../plain-container.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { errorText, percentile, summarize } from '../stats.ts';
import { QUOTED } from './quoted.ts';

const STEADY_RUNS = 5;

export const lifecycle: Scenario = {
  id: 'lifecycle',
  title: 'Cold create; first command after create',
  async run(ctx): Promise<ScenarioResult[]> {
    const runs = ctx.runs(10, 3);
    const create: number[] = [];
    const first: number[] = [];
    const steady: number[] = [];
    const docker: number[] = [];
    let createErrors = 0;
    let firstError: string | undefined;
    for (let i = 0; i < runs; i++) {
      ctx.progress(`cold create, first command, docker baseline ${i + 1}/${runs}`);
      const started = performance.now();
      let sandbox: e2b.Sandbox;
      try {
        sandbox = await e2b.Sandbox.create('base');
      } catch (error) {
        createErrors++;
        firstError ??= errorText(error);
        ctx.progress(`create failed: ${errorText(error)}`);
        continue;
      }
      create.push(performance.now() - started);
      try {
        const image = await sandboxImage(ctx.docker, sandbox.sandboxId);
        let t = performance.now();
        await sandbox.commands.run('echo hi');
        first.push(performance.now() - t);
        const here: number[] = [];
        for (let j = 0; j < STEADY_RUNS; j++) {
          t = performance.now();
          await sandbox.commands.run('echo hi');
          here.push(performance.now() - t);
        }
        // One number per sandbox, as `first` has: the steady state of that same sandbox.
        steady.push(percentile(here, 50));
        // The baseline in the same minute, while the sandbox holds the image.
        const began = performance.now();
        const container = await createPlain(ctx.docker, { image, runtime: ctx.runtime, cmd: ['sleep', 'infinity'] });
        try {
          await container.start();
          docker.push(performance.now() - began);
        } finally {
          await removePlain(container);
        }
      } finally {
        await sandbox.kill();
      }
    }
    const createName = 'Sandbox.create("base"), official e2b SDK';
    const dockerName = 'docker create + start, same image and runtime (no hardening, agent, disk, firewall, network)';
    const firstName = 'first commands.run("echo hi") after create';
    const steadyName = 'steady commands.run("echo hi"), same sandbox (median of the 5 after)';
    return [
      measuredResult({
        id: 'cold-create',
        title: 'Cold create',
        runtime: ctx.runtime,
        method: `${runs} sandboxes one after another, each created through the official SDK and killed (the kill is not timed); create returns once the agent in the hardened, firewalled container answers. The baseline starts a plain container of the same image on the same runtime.`,
        samples: [summarize(createName, create, { errors: createErrors, firstError }), summarize(dockerName, docker)],
        measured: createName,
        baseline: { sample: dockerName, note: 'the same image started by Docker alone: the floor every container start pays' },
        targets: [{ description: 'cold create p50 ≤ 450 ms', metric: `p50 of ${createName}`, op: '<=', value: 450, unit: 'ms', actual: percentile(create, 50) }],
        quoted: [QUOTED.issueColdCreate, QUOTED.e2bCloudCreate, QUOTED.daytonaCreate],
      }),
      measuredResult({
        id: 'first-command',
        title: 'First command after create',
        runtime: ctx.runtime,
        method: `In each of the ${runs} sandboxes above: the first commands.run right after Sandbox.create returned, then ${STEADY_RUNS} more; the baseline is the same command in the same sandbox once warm.`,
        samples: [summarize(firstName, first), summarize(steadyName, steady)],
        measured: firstName,
        baseline: { sample: steadyName, note: 'the same command in the same sandbox, after the first' },
        targets: [
          {
            description: 'first command within 2× a steady-state command (p50)',
            metric: 'p50 first ÷ p50 steady',
            op: '<=',
            value: 2,
            unit: '×',
            actual: percentile(first, 50) / percentile(steady, 50),
          },
        ],
        quoted: [QUOTED.issueFirstCommand],
      }),
    ];
  },
};
