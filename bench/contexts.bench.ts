// What a code context costs: the built agent in the code-interpreter template (512 MiB, hardened
// as the runner starts sandboxes, no runner), its default Python context's first answers, then
// extra Python contexts with pandas and matplotlib imported (time from create to that result, and
// the memory each adds: USS/PSS from /proc/<pid>/smaps_rollup and the container cgroup's), then
// all six languages plus four extra Python contexts at once. Both ways of starting Python kernels
// are measured: forked from the preloaded parent (zygote, the default) and started afresh
// (CODEBOX_PYTHON_ZYGOTE=0). `BENCH_CONTEXTS_MODES=fork` measures one. Not part of CI.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const IMAGE = 'codebox/code-interpreter-v1:latest';
const LABEL = 'codebox.bench=contexts';
const EXTRA_CONTEXTS = 4;
const dist = resolve(import.meta.dirname, '../packages/sandbox-agent/dist');
const modes = (process.env.BENCH_CONTEXTS_MODES ?? 'afresh,fork').split(',') as ('fork' | 'afresh')[];

interface Answer {
  readonly status: number;
  readonly text: string;
}

function call(socket: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ socketPath: socket, method, path, headers: { 'e2b-sandbox-port': '49999', 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Runs code; the ms it took and its error line, if any. */
async function run(socket: string, body: Record<string, unknown>): Promise<{ ms: number; error?: string }> {
  const started = performance.now();
  const { status, text } = await call(socket, 'POST', '/execute', body);
  const ms = performance.now() - started;
  if (status !== 200) return { ms, error: `HTTP ${status}: ${text}` };
  const error = text.split('\n').find((line) => line.includes('"type":"error"'));
  return error ? { ms, error } : { ms };
}

function exec(container: string, script: string): string {
  return execFileSync('docker', ['exec', '--user', '1000', container, 'sh', '-c', script], { encoding: 'utf8' });
}

/** The container's memory less reclaimable page cache, MiB (cgroup v2 or v1). */
function cgroupMiB(container: string): number {
  const [current, stat] = exec(
    container,
    'cd /sys/fs/cgroup; cat memory.current 2>/dev/null || cat memory/memory.usage_in_bytes; echo ---; cat memory.stat 2>/dev/null || cat memory/memory.stat',
  ).split('---');
  const inactiveFile = Number(/^(?:total_)?inactive_file (\d+)$/m.exec(stat ?? '')?.[1] ?? 0);
  return (Number(current) - inactiveFile) / 2 ** 20;
}

/** USS, PSS and RSS (MiB) of each Python process, by pid. */
function pythonMemory(container: string): Map<number, { uss: number; pss: number; rss: number }> {
  const out = exec(
    container,
    'for p in $(pgrep -u 1000 python3); do echo "pid $p"; grep -E "^(Rss|Pss|Private_Clean|Private_Dirty):" /proc/$p/smaps_rollup; done',
  );
  const result = new Map<number, { uss: number; pss: number; rss: number }>();
  for (const block of out.split('pid ').filter(Boolean)) {
    const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(block)?.[1] ?? 0);
    result.set(Number(block.split('\n')[0]), { uss: (kib('Private_Clean') + kib('Private_Dirty')) / 1024, pss: kib('Pss') / 1024, rss: kib('Rss') / 1024 });
  }
  return result;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const f = (value: number): string => value.toFixed(1);

/** A sandbox's agent in the template with Python kernels started as `mode` says; `close` removes it. */
async function startAgent(mode: 'fork' | 'afresh'): Promise<{ name: string; socket: string; started: number; close(): void }> {
  const work = mkdtempSync(join(tmpdir(), 'codebox-bench-contexts-'));
  const runDir = join(work, 'run');
  mkdirSync(runDir, { mode: 0o700 });
  const name = `codebox-bench-contexts-${randomBytes(4).toString('hex')}`;
  const socket = join(runDir, 'agent.sock');
  const started = performance.now();
  execFileSync('docker', [
    'run', '-d', '--name', name, '--label', LABEL,
    '--cap-drop', 'ALL', '--cap-add', 'SETUID', '--cap-add', 'SETGID', '--cap-add', 'SETPCAP', '--cap-add', 'KILL',
    '--security-opt', 'no-new-privileges', '--network', 'none', '--init', '--pids-limit', '512', '--memory', '512m',
    '-e', `CODEBOX_PYTHON_ZYGOTE=${mode === 'fork' ? '1' : '0'}`,
    '-v', `${runDir}:/run/codebox`,
    '-v', `${join(dist, 'agent.mjs')}:/opt/codebox/agent.mjs:ro`,
    '-v', `${join(dist, 'sandbox-exec')}:/opt/codebox/sandbox-exec:ro`,
    '-v', `${join(dist, 'kernels')}:/opt/codebox/kernels:ro`,
    IMAGE, '/opt/codebox/bin/node', '/opt/codebox/agent.mjs',
  ], { stdio: 'ignore' });
  const close = (): void => {
    execFileSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    rmSync(work, { recursive: true, force: true });
  };
  try {
    while (!(existsSync(socket) && (await call(socket, 'GET', '/health').catch(() => ({ status: 0 }))).status === 200)) await sleep(20);
  } catch (error) {
    close();
    throw error;
  }
  return { name, socket, started, close };
}

/** The default context used only after the sandbox sat idle (as a pooled sandbox is handed over). */
async function measureIdleDefault(mode: 'fork' | 'afresh'): Promise<void> {
  const { socket, close } = await startAgent(mode);
  try {
    await sleep(5_000);
    const first = await run(socket, { code: '1+1' });
    const pandas = await run(socket, { code: 'import pandas, matplotlib.pyplot' });
    console.log(`default context after 5 s idle: first runCode("1+1") ${f(first.ms)} ms; then import pandas + matplotlib.pyplot ${f(pandas.ms)} ms`);
  } finally {
    close();
  }
}

async function measure(mode: 'fork' | 'afresh'): Promise<void> {
  const { name, socket, started, close } = await startAgent(mode);
  try {
    const first = await run(socket, { code: '1+1' });
    const firstFromStart = performance.now() - started;
    const pandasDefault = await run(socket, { code: 'import pandas, matplotlib.pyplot' });
    await sleep(2_000);
    const before = cgroupMiB(name);
    const pidsBefore = new Set(pythonMemory(name).keys());
    const readyMs: number[] = [];
    for (let i = 0; i < EXTRA_CONTEXTS; i++) {
      const created = performance.now();
      const { text } = await call(socket, 'POST', '/contexts', { language: 'python' });
      const { id } = JSON.parse(text) as { id: string };
      const imported = await run(socket, { code: 'import pandas as pd, matplotlib.pyplot as plt\npd.DataFrame({"a": [1]}).shape', context_id: id });
      if (imported.error) throw new Error(`extra context failed: ${imported.error}`);
      readyMs.push(performance.now() - created);
    }
    await sleep(1_000);
    const after = cgroupMiB(name);
    const memory = pythonMemory(name);
    const extra = [...memory.entries()].filter(([pid]) => !pidsBefore.has(pid)).map(([, m]) => m);
    console.log(`\n== Python kernels ${mode === 'fork' ? 'forked from the preloaded parent' : 'started afresh (CODEBOX_PYTHON_ZYGOTE=0)'}`);
    console.log(`default context: first runCode("1+1") ${f(first.ms)} ms (${f(firstFromStart)} ms from docker run); then import pandas + matplotlib.pyplot ${f(pandasDefault.ms)} ms`);
    console.log(`extra Python context, create → pandas + matplotlib imported → result: median ${f(median(readyMs))} ms [${readyMs.map(f).join(', ')}] (target ≤ 50 ms)`);
    console.log(`memory per extra context: USS median ${f(median(extra.map((m) => m.uss)))} MiB (target ≤ 20), PSS ${f(median(extra.map((m) => m.pss)))} MiB, RSS ${f(median(extra.map((m) => m.rss)))} MiB`);
    console.log(`container (cgroup, less inactive file): ${f(before)} MiB before, ${f(after)} MiB after ${EXTRA_CONTEXTS} extra contexts: ${f((after - before) / EXTRA_CONTEXTS)} MiB each`);
    for (const [pid, m] of memory) console.log(`  python pid ${pid}: USS ${f(m.uss)} PSS ${f(m.pss)} RSS ${f(m.rss)} MiB${pidsBefore.has(pid) ? ' (before the extra contexts)' : ''}`);

    const languages = ['r', 'java', 'javascript', 'typescript', 'bash'];
    const others = await Promise.all(languages.map(async (language) => ({ language, ...(await run(socket, { code: language === 'bash' ? 'echo 2' : '1+1', language })) })));
    const oomKills = Number(/^oom_kill (\d+)$/m.exec(exec(name, 'cat /sys/fs/cgroup/memory.events 2>/dev/null || cat /sys/fs/cgroup/memory/memory.oom_control'))?.[1] ?? Number.NaN);
    const failed = others.filter((other) => other.error);
    const all = cgroupMiB(name);
    console.log(
      `six languages + ${EXTRA_CONTEXTS} extra Python contexts (pandas + matplotlib): ${f(all)} MiB of 512, OOM kills ${oomKills}, ` +
        `${failed.length ? `FAILED: ${failed.map((o) => `${o.language}: ${o.error}`).join('; ')}` : 'all answered'} → ${failed.length === 0 && oomKills === 0 ? 'PASS' : 'FAIL'}`,
    );
    console.log(`  first call per language: ${others.map((o) => `${o.language} ${f(o.ms)} ms`).join(', ')}`);
  } finally {
    close();
  }
  await measureIdleDefault(mode);
}

for (const mode of modes) await measure(mode);
