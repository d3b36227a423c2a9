// Code contexts: how fast an extra Python context has pandas and matplotlib importable, what it
// holds of its own, and whether the six languages plus four extra Python contexts fit in the
// sandbox's default memory (issue 12's contexts targets).
import { readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import * as e2bInterpreter from '@e2b/code-interpreter';
import { Sandbox } from '@codebox/core-client';
import { containerUsage } from '../container-memory.ts';
import { createPlain, removePlain } from '../plain-container.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { errorText, percentile, summarize } from '../stats.ts';
import { QUOTED } from './quoted.ts';

const EXTRA_CONTEXTS = 4;
const IMPORT = 'import pandas as pd, matplotlib.pyplot as plt\npd.DataFrame({"a": [1]}).shape';
/** The other five languages of the template, each with code its kernel answers. */
const OTHER_LANGUAGES: readonly (readonly [string, string])[] = [
  ['r', '1+1'],
  ['java', '1+1'],
  ['javascript', '1+1'],
  ['typescript', '1+1'],
  ['bash', 'echo 2'],
];
/**
 * Memory is read once the kernels' start-up garbage is collected: the cgroup counts freed pages
 * the allocator has not returned for a moment, which no context keeps.
 */
const SETTLE_MS = 1_000;

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));

async function sandboxMiB(container: Docker.Container): Promise<number> {
  await settle();
  return (await containerUsage(container)).mib;
}

function check(execution: e2bInterpreter.Execution, what: string): void {
  if (execution.error) throw new Error(`${what}: ${execution.error.name}: ${execution.error.value}`);
}

/**
 * The sandbox's memory limit as its creator asked for it. Under gVisor the runner gives the container
 * more (the sentry's own memory) and says the sandbox's limit in CODEBOX_MEMORY_LIMIT_MIB, which the
 * agent's watchdog enforces; under runc it is the container's limit.
 */
function sandboxLimitMiB(inspect: Docker.ContainerInspectInfo): number {
  const env = inspect.Config.Env?.find((e) => e.startsWith('CODEBOX_MEMORY_LIMIT_MIB='));
  return env ? Number(env.split('=')[1]) : (inspect.HostConfig.Memory ?? 0) / 2 ** 20;
}

interface ProcessMemory {
  /** Private pages (Private_Clean + Private_Dirty), MiB: what the process holds alone. */
  readonly uss: number;
  /** Proportional set size, MiB: private pages plus its share of the shared ones. */
  readonly pss: number;
}

/**
 * USS and PSS of each python3 in the sandbox, by host pid, from the host's /proc/<pid>/smaps_rollup:
 * the kernels run under a user of their own after a setuid, which makes them unreadable from inside
 * the sandbox. Under runc only (gVisor's processes are not host processes, and its own smaps report
 * every resident page as private), and only where the bench may read other users' /proc (root):
 * empty otherwise.
 */
async function pythonMemory(container: Docker.Container, runtime: string): Promise<Map<number, ProcessMemory>> {
  const result = new Map<number, ProcessMemory>();
  if (runtime !== 'runc') return result;
  const top = (await container.top({ ps_args: '-o pid,comm' })) as { Processes?: string[][] };
  for (const [pid, comm] of top.Processes ?? []) {
    if (comm !== 'python3') continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    } catch {
      return new Map();
    }
    const kib = (field: RegExp): number => [...text.matchAll(field)].reduce((sum, m) => sum + Number(m[1]), 0);
    result.set(Number(pid), { uss: kib(/^Private_(?:Clean|Dirty):\s+(\d+) kB/gm) / 1024, pss: kib(/^Pss:\s+(\d+) kB/gm) / 1024 });
  }
  return result;
}

/** `docker exec` of a python3 that imports the data stack and says so, left running; the ms to "ready". */
async function freshPython(container: Docker.Container): Promise<number> {
  const started = performance.now();
  const exec = await container.exec({
    Cmd: ['python3', '-c', 'import pandas as pd, matplotlib.pyplot as plt; pd.DataFrame({"a": [1]}).shape; print("ready", flush=True); import time; time.sleep(10**6)'],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({});
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('ready')) resolve();
    });
    stream.on('end', () => reject(new Error(`python3 ended before importing: ${seen.slice(0, 300)}`)));
    stream.on('error', reject);
  });
  return performance.now() - started;
}

export const contexts: Scenario = {
  id: 'contexts',
  title: 'Code contexts: an extra Python context, its memory, six languages in one sandbox',
  async run(ctx): Promise<ScenarioResult[]> {
    const sandboxes = ctx.runs(2, 1);
    const readyMs: number[] = [];
    const firstGrowth: number[] = [];
    const laterGrowth: number[] = [];
    const allMiB: number[] = [];
    const defaultImportMs: number[] = [];
    const uss: number[] = [];
    const pss: number[] = [];
    const failures: string[] = [];
    const firstCall: Record<string, number[]> = {};
    let limitMiB = Number.NaN;
    let image = '';
    for (let s = 0; s < sandboxes; s++) {
      ctx.progress(`sandbox ${s + 1} of ${sandboxes}: default context, ${EXTRA_CONTEXTS} extra Python contexts, the other five languages`);
      const ours = await Sandbox.create('code-interpreter-v1', ctx.opts);
      try {
        const official = await e2bInterpreter.Sandbox.connect(ours.sandboxId);
        const container = ctx.docker.getContainer(`codebox-${ours.sandboxId}`);
        const inspect = await container.inspect();
        image = inspect.Image;
        limitMiB = sandboxLimitMiB(inspect);
        // The default context used as a notebook would be: an answer, then the data stack.
        check(await official.runCode('1+1'), 'default context');
        const importStart = performance.now();
        check(await official.runCode('import pandas, matplotlib.pyplot'), 'default context import');
        defaultImportMs.push(performance.now() - importStart);
        const made: e2bInterpreter.Context[] = [];
        const pidsBefore = new Set((await pythonMemory(container, ctx.runtime)).keys());
        let before = await sandboxMiB(container);
        for (let i = 0; i < EXTRA_CONTEXTS; i++) {
          const created = performance.now();
          const context = await official.createCodeContext({ language: 'python' });
          check(await official.runCode(IMPORT, { context }), `extra context ${i + 1}`);
          readyMs.push(performance.now() - created);
          made.push(context);
          const after = await sandboxMiB(container);
          (i === 0 ? firstGrowth : laterGrowth).push(after - before);
          before = after;
        }
        for (const [pid, m] of await pythonMemory(container, ctx.runtime)) {
          if (pidsBefore.has(pid)) continue;
          uss.push(m.uss);
          pss.push(m.pss);
        }
        for (const [language, code] of OTHER_LANGUAGES) {
          const started = performance.now();
          try {
            check(await official.runCode(code, { language }), language);
            (firstCall[language] ??= []).push(performance.now() - started);
          } catch (error) {
            failures.push(errorText(error));
          }
        }
        const mib = await sandboxMiB(container);
        // Every kernel answers again with all of them up: none was OOM-killed or evicted to make room.
        const again = [
          official.runCode('1+1'),
          ...made.map((context) => official.runCode('pd.DataFrame({"a": [1]}).shape', { context })),
          ...OTHER_LANGUAGES.map(([language, code]) => official.runCode(code, { language })),
        ];
        for (const answer of await Promise.allSettled(again)) {
          if (answer.status === 'rejected') failures.push(errorText(answer.reason));
          else if (answer.value.error) failures.push(`${answer.value.error.name}: ${answer.value.error.value}`);
        }
        allMiB.push(failures.length === 0 ? mib : Number.NaN);
      } finally {
        await ours.kill().catch(() => undefined);
      }
    }

    ctx.progress('baseline: fresh python3 importing pandas and matplotlib in a plain container');
    const plain = await createPlain(ctx.docker, { image, runtime: ctx.runtime, cmd: ['sleep', 'infinity'] });
    const baseMs: number[] = [];
    const baseGrowth: number[] = [];
    try {
      await plain.start();
      let before = await sandboxMiB(plain);
      for (let i = 0; i < ctx.runs(3, 1); i++) {
        baseMs.push(await freshPython(plain));
        const after = await sandboxMiB(plain);
        baseGrowth.push(after - before);
        before = after;
      }
    } finally {
      await removePlain(plain);
    }

    const n = `${sandboxes} sandbox${sandboxes === 1 ? '' : 'es'}`;
    const readyName = 'extra Python context (official SDK): createCodeContext → pandas + matplotlib imported → result';
    const baseReadyName = 'plain container of the same image: docker exec python3 importing pandas + matplotlib → output';
    const laterName = 'extra Python context after the first: sandbox memory growth';
    const firstName = "the first extra Python context: sandbox memory growth (with the parent's one-time data-stack load)";
    const baseMemName = 'plain container of the same image: memory growth per python3 holding pandas + matplotlib';
    const allName = `sandbox memory with the six languages and ${EXTRA_CONTEXTS} extra Python contexts (all answering)`;
    const fitFailed = failures.length > 0;
    const method = {
      ready: `${n} of code-interpreter-v1 (warm pool where it has one); in each, the default context answers "1+1" and imports pandas and matplotlib.pyplot, then ${EXTRA_CONTEXTS} extra Python contexts are created one after another through the official @e2b/code-interpreter SDK, each timed from createCodeContext until runCode of "import pandas, matplotlib.pyplot; pd.DataFrame(...)" answered. The first extra context waits for the preloaded parent to load the data stack (it is loaded when a second kernel is first asked for), later ones are forks of it; the p50 is over all of them. The baseline is what a context started afresh pays: a new python3 importing the same modules, by docker exec in a plain container of the same image.`,
      memory: `"Of its own" is what the context adds to the sandbox's memory as its limit counts it: the growth of the sandbox container's cgroup (memory less inactive file, read from the host, so the same under runc and gVisor) across the context's creation and import, ${SETTLE_MS / 1000} s after each. A forked kernel shares the parent's pages copy-on-write; those are counted once, when the parent loads them, which happens with the first extra context: its growth is that one-time load plus its own and is shown apart, and the target is checked on the contexts after it. The baseline is the same growth for a fresh python3 holding the same modules in a plain container of the same image. Under runc, USS and PSS of each extra context's process (the host's smaps_rollup) are shown beside: USS leaves out what the kernel keeps for a process outside its mappings (page tables, socket buffers), which the cgroup counts.`,
      fit: `In the same sandboxes, after the ${EXTRA_CONTEXTS} extra contexts, the other five languages (R, Java, JavaScript, TypeScript, Bash) run their first code; the cgroup's memory is read, then every kernel (the default context, the ${EXTRA_CONTEXTS} extra ones, the five others) must answer again, so none was OOM-killed or evicted to make room. A failure makes the number unmeasured (FAIL). The limit is the sandbox's (the runner's default); the memory is the container cgroup's as above, which under gVisor also holds the sentry (the runner lets the container have more than the sandbox's limit for it, and the agent's watchdog enforces the sandbox's limit by its own count), so there every kernel answering is what decides.`,
    };
    const firstCallFigures = Object.fromEntries(
      Object.entries(firstCall).map(([language, ms]) => [`first call to ${language} (kernel start), p50 ms`, Math.round(percentile(ms, 50))]),
    );
    return [
      measuredResult({
        id: 'context-python-ready',
        title: 'Extra Python context with pandas + matplotlib',
        runtime: ctx.runtime,
        method: method.ready,
        samples: [
          summarize(readyName, readyMs),
          summarize(baseReadyName, baseMs),
          summarize('default context: import pandas, matplotlib.pyplot (after "1+1")', defaultImportMs),
        ],
        measured: readyName,
        baseline: { sample: baseReadyName, note: 'a context started afresh pays a new interpreter and its imports' },
        targets: [{ description: 'a new Python context with pandas and matplotlib importable in ≤ 50 ms', metric: 'p50 of createCodeContext → import → result', op: '<=', value: 50, unit: 'ms', actual: percentile(readyMs, 50) }],
        quoted: [QUOTED.issueContexts],
        figures: { 'the first extra context, each sandbox (ms)': readyMs.filter((_, i) => i % EXTRA_CONTEXTS === 0).map((ms) => Math.round(ms)).join(', ') },
      }),
      measuredResult({
        id: 'context-python-memory',
        title: 'Memory of its own per extra Python context',
        runtime: ctx.runtime,
        method: method.memory,
        samples: [summarize(laterName, laterGrowth, { unit: 'MiB' }), summarize(firstName, firstGrowth, { unit: 'MiB' }), summarize(baseMemName, baseGrowth, { unit: 'MiB' }),
          ...(uss.length === 0
            ? []
            : [
                summarize("extra Python context: USS (private pages, the host's /proc/<pid>/smaps_rollup)", uss, { unit: 'MiB' }),
                summarize('extra Python context: PSS (private pages and its share of the shared ones)', pss, { unit: 'MiB' }),
              ]),
        ],
        measured: laterName,
        baseline: { sample: baseMemName, note: 'a context started afresh holds its own interpreter and imports' },
        targets: [{ description: 'an extra Python context with pandas and matplotlib holds ≤ 20 MiB of its own', metric: 'p50 sandbox cgroup growth per context after the first', op: '<=', value: 20, unit: 'MiB', actual: percentile(laterGrowth, 50) }],
        quoted: [QUOTED.issueContexts],
      }),
      measuredResult({
        id: 'contexts-fit',
        title: `Six languages + ${EXTRA_CONTEXTS} extra Python contexts in one sandbox`,
        runtime: ctx.runtime,
        method: method.fit,
        samples: [summarize(allName, allMiB.filter(Number.isFinite), { unit: 'MiB', errors: allMiB.filter((x) => !Number.isFinite(x)).length, firstError: failures[0] })],
        measured: allName,
        targets: [
          {
            description: `the six languages plus ${EXTRA_CONTEXTS} extra Python contexts fit in the default ${limitMiB} MiB`,
            metric: 'max sandbox memory, every kernel answering',
            op: '<=',
            value: limitMiB,
            unit: 'MiB',
            actual: fitFailed ? undefined : Math.max(...allMiB),
          },
        ],
        figures: { 'sandbox memory limit (MiB)': limitMiB, 'kernels that did not answer': failures.length, ...firstCallFigures },
      }),
    ];
  },
};
