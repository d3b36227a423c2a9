// User ports through the relay (runner → agent socket → 127.0.0.1:N in the sandbox): a 100 MiB
// download and upload, a small GET's round trip by header and by host name against envd's GET
// /health over the same gateway, and a WebSocket echo round trip, under runc and runsc. Sandboxes
// have no network (allowInternetAccess: false): the relay is their only way in. Run with
// `npm run bench` (not CI); runsc is skipped, saying so, where dockerd has no runsc runtime.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Sandbox } from '@codebox/core-client';
import { lookupLocalhost } from '../test/support/localhost-names.ts';
import { runtimesToMeasure, startBenchRunner, type BenchRuntime } from './bench-runner.ts';
import { percentile } from './stats.ts';

const MIB = 1024 * 1024;
const TRANSFER_MIB = 100;
const TRANSFER_RUNS = 3;
const GET_RUNS = 200;
const ECHO_RUNS = 200;
const PORT = 8000;
const SERVER = readFileSync(new URL('../test/support/fixtures/user-port-server.mjs', import.meta.url), 'utf8');

type Runtime = BenchRuntime;

interface Target {
  readonly runnerUrl: URL;
  readonly sandbox: Sandbox;
  /** One keep-alive connection, as an SDK or a browser would reuse. */
  readonly agent: Agent;
}

/** One request on a keep-alive connection; resolves with the body's byte count. */
function exchange(t: Target, port: number, path: string, options: { byHost?: boolean; method?: string; uploadMiB?: number } = {}): Promise<number> {
  const host = options.byHost ? t.sandbox.getHost(port) : t.runnerUrl.host;
  const headers: Record<string, string> = options.byHost ? {} : { 'e2b-sandbox-id': t.sandbox.sandboxId, 'e2b-sandbox-port': String(port) };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: options.byHost ? host.split(':')[0] : t.runnerUrl.hostname, port: t.runnerUrl.port, path, method: options.method ?? 'GET', headers, lookup: lookupLocalhost, agent: t.agent },
      (res) => {
        let bytes = 0;
        let text = '';
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (text.length < 500) text += chunk.toString();
        });
        res.on('end', () => (res.statusCode !== undefined && res.statusCode < 300 ? resolve(bytes) : reject(new Error(`${path}: ${res.statusCode} ${text}`))));
      },
    );
    req.on('error', reject);
    if (options.uploadMiB) {
      const chunk = Buffer.alloc(MIB, 7);
      let left = options.uploadMiB;
      const pump = (): void => {
        while (left-- > 0) if (!req.write(chunk)) return void req.once('drain', pump);
        req.end();
      };
      pump();
    } else req.end();
  });
}

async function timeEach(runs: number, once: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    ms.push(performance.now() - start);
  }
  return ms;
}

async function echoRoundTrips(t: Target, runs: number): Promise<number[]> {
  const socket = new WebSocket(`ws://${t.runnerUrl.host}/echo`, { headers: { 'E2b-Sandbox-Id': t.sandbox.sandboxId, 'E2b-Sandbox-Port': String(PORT) } } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error('WebSocket did not open'));
  });
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      socket.onmessage = () => resolve();
      socket.send(`ping ${i}`);
    });
    ms.push(performance.now() - start);
  }
  socket.close();
  return ms;
}

async function measure(runtime: Runtime): Promise<Record<string, string>> {
  const { runner, opts } = await startBenchRunner({ env: { CODEBOX_RUNTIME: runtime } });
  const sandbox = await Sandbox.create('base', { ...opts, allowInternetAccess: false, secure: false });
  try {
    const t: Target = { runnerUrl: new URL(runner.url), sandbox, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
    await sandbox.files.write('/home/user/user-port-server.mjs', SERVER);
    await sandbox.commands.run(`/opt/codebox/bin/node /home/user/user-port-server.mjs ${PORT}`, { background: true });
    for (let i = 0; ; i++) {
      if ((await exchange(t, PORT, '/').catch(() => -1)) > 0) break;
      if (i > 100) throw new Error('the server in the sandbox did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
    const down = await timeEach(TRANSFER_RUNS, async () => {
      if ((await exchange(t, PORT, `/bytes?mib=${TRANSFER_MIB}`)) !== TRANSFER_MIB * MIB) throw new Error('short download');
    });
    // The same bytes from envd's file download over the same gateway (no relay): the reference.
    await sandbox.commands.run(`head -c ${TRANSFER_MIB * MIB} /dev/zero > /home/user/ref.bin`);
    const envdDown = await timeEach(TRANSFER_RUNS, async () => {
      if ((await exchange(t, 49983, '/files?path=/home/user/ref.bin')) !== TRANSFER_MIB * MIB) throw new Error('short envd download');
    });
    // Under gVisor the file lives in the sandbox's memory: give it back before the upload.
    await sandbox.commands.run('rm /home/user/ref.bin');
    const up = await timeEach(TRANSFER_RUNS, () => exchange(t, PORT, '/digest', { method: 'POST', uploadMiB: TRANSFER_MIB }));
    // Warm both paths' connections first.
    await exchange(t, PORT, '/');
    await exchange(t, 49983, '/health');
    const getHeader = await timeEach(GET_RUNS, () => exchange(t, PORT, '/'));
    const getHost = await timeEach(GET_RUNS, () => exchange(t, PORT, '/', { byHost: true }));
    const health = await timeEach(GET_RUNS, () => exchange(t, 49983, '/health'));
    const echo = await echoRoundTrips(t, ECHO_RUNS);
    const mbps = (ms: number[]): string => `${((TRANSFER_MIB * MIB) / 1e6 / (percentile(ms, 50) / 1000)).toFixed(0)} MB/s`;
    const lat = (ms: number[]): string => `${percentile(ms, 50).toFixed(2)} / ${percentile(ms, 95).toFixed(2)} ms`;
    return {
      [`download ${TRANSFER_MIB} MiB (p50 of ${TRANSFER_RUNS})`]: mbps(down),
      [`envd file download ${TRANSFER_MIB} MiB, no relay (p50 of ${TRANSFER_RUNS})`]: mbps(envdDown),
      [`upload ${TRANSFER_MIB} MiB, the server hashing it (p50 of ${TRANSFER_RUNS})`]: mbps(up),
      'small GET to a user port by header, p50 / p95': lat(getHeader),
      'small GET to a user port by host name, p50 / p95': lat(getHost),
      "envd's GET /health (no relay), p50 / p95": lat(health),
      'WebSocket echo round trip, p50 / p95': lat(echo),
    };
  } finally {
    await sandbox.kill();
    await runner.close();
  }
}

const results: Partial<Record<Runtime, Record<string, string>>> = {};
for (const runtime of runtimesToMeasure()) {
  console.log(`== ${runtime}`);
  results[runtime] = await measure(runtime);
}
console.log('\n| measurement | runc | runsc |\n| --- | --- | --- |');
for (const key of Object.keys(results.runc ?? {})) console.log(`| ${key} | ${results.runc?.[key] ?? '-'} | ${results.runsc?.[key] ?? '-'} |`);
