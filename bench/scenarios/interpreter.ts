// runCode round trips (Python, JavaScript) through the official SDK and ours, against E2B's own
// interpreter server when its image is present; the first stdout byte after a print; and from
// create to the first runCode result. A warm interpreter in a plain container, driven over docker
// attach with no protocol at all, is shown beside them as the floor.
import * as e2bInterpreter from '@e2b/code-interpreter';
import { Sandbox } from '@codebox/core-client';
import { E2B_IMAGE, E2B_IMAGE_FIGURE, E2bInterpreterServer, e2bImageDescription, e2bImagePresent } from '../e2b-interpreter-server.ts';
import { createPlain, PlainRepl, removePlain, sandboxImage } from '../plain-container.ts';
import type { SampleSummary, ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario, type ScenarioContext } from '../scenario.ts';
import { errorText, interleaved, summarize } from '../stats.ts';
import { QUOTED } from './quoted.ts';
import { pathShares, runCodePathSamples } from '../run-code-path.ts';

const PRINT_THEN_WAIT = 'print("x", flush=True); __import__("time").sleep(0.2)';

function expectText(text: string | undefined, want: string): void {
  if (text !== want) throw new Error(`runCode answered ${JSON.stringify(text)}, not ${want}`);
}

export const interpreter: Scenario = {
  id: 'interpreter',
  title: 'runCode round trips, first stdout byte, create → first result',
  async run(ctx): Promise<ScenarioResult[]> {
    const runs = ctx.runs(200, 30);
    const ours = await Sandbox.create('code-interpreter-v1', ctx.opts);
    const results: ScenarioResult[] = [];
    try {
      const official = await e2bInterpreter.Sandbox.connect(ours.sandboxId);
      const image = await sandboxImage(ctx.docker, ours.sandboxId);
      // Both kernels warm first: a round trip, not a kernel start, is what is measured.
      expectText((await ours.runCode('1+1')).text, '2');
      expectText((await ours.runCode('1+1', { language: 'javascript' })).text, '2');
      const languages = ['python', 'javascript'] as const;
      const names = (language: (typeof languages)[number]) => ({
        official: `official @e2b/code-interpreter runCode("1+1"${language === 'python' ? '' : ', javascript'})`,
        ours: `Codebox client runCode("1+1"${language === 'python' ? '' : ', javascript'})`,
        e2b: `E2B's interpreter server POST /execute "1+1" (${language})`,
        floor: `floor: warm ${language === 'python' ? 'python3' : 'node'} REPL in a plain container over docker attach, "1+1"`,
      });
      // Each alternative is timed with none of the others' containers running: on 2 cores an idle
      // Jupyter or REPL beside a measurement is not idle enough to leave it alone.
      const ourSamples = new Map<string, SampleSummary[]>();
      for (const language of languages) {
        ctx.progress(`runCode("1+1") ${language}, ${runs} each, official SDK and ours interleaved`);
        const opts = language === 'python' ? {} : { language };
        const clients = [
          { name: names(language).official, once: async () => expectText((await official.runCode('1+1', opts)).text, '2') },
          { name: names(language).ours, once: async () => expectText((await ours.runCode('1+1', opts)).text, '2') },
        ];
        ourSamples.set(language, language === 'python' ? await runCodePathSamples(ctx, ours.sandboxId, runs, clients) : await interleaved(clients, runs));
      }
      const e2bPresent = await e2bImagePresent(ctx.docker);
      const e2bImage = e2bPresent ? await e2bImageDescription(ctx.docker) : undefined;
      const e2bSamples = new Map<string, SampleSummary>();
      if (e2bPresent) {
        const e2bServer = await E2bInterpreterServer.start(ctx.docker);
        try {
          for (const language of languages) {
            ctx.progress(`E2B's server, "1+1" ${language}, ${Math.min(runs, 100)} calls`);
            const [sample] = await interleaved([{ name: names(language).e2b, once: () => e2bServer.execute('1+1', language) }], Math.min(runs, 100));
            if (sample) e2bSamples.set(language, sample);
          }
        } finally {
          await e2bServer.close();
        }
      }
      const python = await PlainRepl.start(ctx.docker, { image, runtime: ctx.runtime, cmd: ['python3', '-q', '-u', '-i'] });
      try {
        const node = await PlainRepl.start(ctx.docker, { image, runtime: ctx.runtime, cmd: ['/opt/codebox/bin/node', '-i'] });
        const floors = new Map<string, SampleSummary>();
        try {
          await python.send('1+1', '2\n', 60_000);
          await node.send('1+1', '2\n', 60_000);
          for (const language of languages) {
            const repl = language === 'python' ? python : node;
            const [sample] = await interleaved([{ name: names(language).floor, once: () => repl.send('1+1', '2\n') }], runs);
            if (sample) floors.set(language, sample);
          }
        } finally {
          await node.close();
        }
        for (const language of languages) {
          const { official: officialName, e2b: e2bName } = names(language);
          const mine = ourSamples.get(language) ?? [];
          const e2bSample = e2bSamples.get(language);
          const samples = [...mine.slice(0, 2), ...(e2bSample ? [e2bSample] : []), floors.get(language)!, ...mine.slice(2)];
          const official50 = samples[0]?.p50;
          const e2b50 = e2bSample?.p50;
          results.push(
            measuredResult({
              id: `run-code-${language}`,
              title: `runCode round trip (${language === 'python' ? 'Python' : 'JavaScript'})`,
              runtime: ctx.runtime,
              method: `One code-interpreter sandbox, its ${language} kernel warm; ${runs} runCode("1+1") through each client, the result checked, the clients interleaved in rounds. E2B's server and the floor are timed afterwards, each with only its own container running; every series after as many untimed calls as it times. The floor is the same expression in a warm interpreter of the same image with no protocol (docker attach), not a fresh process.${language === 'python' ? ' The "path:" samples time the same call at each point of its way with a plain Node HTTP client, in the same rounds as the clients: their differences are the SDK\'s, the runner\'s and the agent\'s shares; the minimal proxy (bench/fixtures/minimal-proxy.ts) shows what a hop costs with no gateway logic.' : ''}`,
              samples,
              measured: officialName,
              baseline: e2bSample
                ? { sample: e2bName, note: "E2B's own server (Jupyter + FastAPI) answering the same code, warm, on this machine" }
                : { note: "E2B's own server (Jupyter + FastAPI) answering the same code, warm, on this machine", absent: `image absent (${E2B_IMAGE}; bench/e2b-server-image/build.ts builds it, docs/benchmarks.md says how)` },
              targets:
                language === 'python'
                  ? [
                      { description: 'runCode("1+1") p50 ≤ 1.5 ms through the official SDK', metric: `p50 of ${officialName}`, op: '<=', value: 1.5, unit: 'ms', actual: official50 },
                      {
                        description: "≥ 30× faster than E2B's own server on this machine (p50)",
                        metric: "p50 E2B's server ÷ p50 official SDK",
                        op: '>=',
                        value: 30,
                        unit: '×',
                        actual: e2b50 != null && official50 ? e2b50 / official50 : undefined,
                      },
                    ]
                  : [],
              ...(language === 'python' ? { quoted: [QUOTED.issueE2bServer] } : {}),
              ...(language === 'python' || e2bImage
                ? { figures: { ...(language === 'python' ? pathShares(samples, officialName) : {}), ...(e2bImage ? { [E2B_IMAGE_FIGURE]: e2bImage } : {}) } }
                : {}),
            }),
          );
        }
        results.push(await firstStdout(ctx, official, python));
      } finally {
        await python.close();
      }
      results.push(await createToFirstResult(ctx, image));
    } finally {
      await ours.kill();
    }
    return results;
  },
};

async function firstStdout(ctx: ScenarioContext, official: e2bInterpreter.Sandbox, repl: PlainRepl): Promise<ScenarioResult> {
  const runs = ctx.runs(30, 5);
  ctx.progress(`first stdout byte, ${runs} each`);
  const firstByte = async (start: (onStdout: () => void) => Promise<unknown>): Promise<number> => {
    const began = performance.now();
    let at: number | undefined;
    await start(() => (at ??= performance.now()));
    if (at === undefined) throw new Error('no stdout arrived');
    return at - began;
  };
  const collect = async (name: string, once: () => Promise<number>): Promise<SampleSummary> => {
    const ms: number[] = [];
    let errors = 0;
    let firstError: string | undefined;
    for (let i = 0; i < runs; i++) {
      try {
        ms.push(await once());
      } catch (error) {
        errors++;
        firstError ??= errorText(error);
      }
    }
    return summarize(name, ms, { errors, firstError });
  };
  const runCodeName = 'official SDK runCode(print then sleep 0.2 s): first onStdout';
  const commandName = 'official SDK commands.run("echo x; sleep 0.2"): first onStdout';
  const floorName = 'floor: warm python3 REPL over docker attach, print then sleep 0.2 s: first byte';
  const samples = [
    await collect(runCodeName, () => firstByte((onStdout) => official.runCode(PRINT_THEN_WAIT, { onStdout }))),
    await collect(commandName, () => firstByte((onStdout) => official.commands.run('echo x; sleep 0.2', { onStdout }))),
    await collect(floorName, async () => {
      const began = performance.now();
      await repl.send(PRINT_THEN_WAIT, 'x\n');
      const ms = performance.now() - began;
      // Untimed: wait out the sleep, so the next run starts with an idle interpreter as the SDK's do.
      await repl.send('0', '0\n');
      return ms;
    }),
  ];
  return measuredResult({
    id: 'first-stdout-byte',
    title: 'First stdout byte after print',
    runtime: ctx.runtime,
    method: `${runs} times: code that prints one line and then sleeps 0.2 s; the time from the call to the first stdout callback (output must stream, not wait for the end). The baseline does the same in a warm interpreter of the same image over docker attach.`,
    samples,
    measured: runCodeName,
    baseline: { sample: floorName, note: 'the same print in a warm interpreter with no protocol' },
    targets: [],
  });
}

async function createToFirstResult(ctx: ScenarioContext, image: string): Promise<ScenarioResult> {
  const runs = ctx.runs(5, 2);
  const measured: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < runs; i++) {
    ctx.progress(`create → first runCode result ${i + 1}/${runs}`);
    const began = performance.now();
    try {
      const sandbox = await e2bInterpreter.Sandbox.create();
      try {
        expectText((await sandbox.runCode('1+1')).text, '2');
        measured.push(performance.now() - began);
      } finally {
        await sandbox.kill();
      }
    } catch (error) {
      errors++;
      firstError ??= errorText(error);
    }
  }
  const baseline: number[] = [];
  for (let i = 0; i < runs; i++) {
    ctx.progress(`docker run python3 + IPython baseline ${i + 1}/${runs}`);
    const began = performance.now();
    const container = await createPlain(ctx.docker, {
      image,
      runtime: ctx.runtime,
      cmd: ['python3', '-c', 'from IPython.core.interactiveshell import InteractiveShell as S; r = S.instance().run_cell("1+1", store_history=False); assert r.result == 2'],
    });
    try {
      await container.start();
      const { StatusCode } = (await container.wait()) as { StatusCode: number };
      if (StatusCode !== 0) throw new Error(`the IPython baseline exited ${StatusCode}`);
      baseline.push(performance.now() - began);
    } finally {
      await removePlain(container);
    }
  }
  const name = 'official SDK: Sandbox.create() (code-interpreter-v1) → runCode("1+1") result';
  const baseName = 'docker create + start of the same image running IPython on "1+1", until it exits';
  return measuredResult({
    id: 'create-first-result',
    title: 'Create → first runCode result (cold)',
    runtime: ctx.runtime,
    method: `${runs} times: a code-interpreter sandbox created through the official SDK, then runCode("1+1") until its result; no pool. The baseline starts a plain container of the same image that imports IPython and evaluates the same cell. The issue's ≤ 60 ms target is for a warm pool and is checked on the pool's row (warm-create-first-result); this row shows what a create costs when the pool is empty.`,
    samples: [summarize(name, measured, { errors, firstError }), summarize(baseName, baseline)],
    measured: name,
    baseline: { sample: baseName, note: 'the same first result with Docker and IPython alone' },
    targets: [],
  });
}
