// User ports through the relay (runner → agent socket → 127.0.0.1:N in the sandbox): a small GET by
// header and by host name, a WebSocket echo, a download and an upload, each beside the same
// operation without the relay. The sandbox has no network (allowInternetAccess: false): the relay
// is its only way in.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { Sandbox } from '@codebox/core-client';
import { lookupLocalhost } from '../../test/support/localhost-names.ts';
import type { ScenarioResult } from '../report-schema.ts';
import { measuredResult, type Scenario } from '../scenario.ts';
import { percentile, summarize, summarizeTimed, timeEach } from '../stats.ts';

const MIB = 1024 * 1024;
const PORT = 8000;
const ENVD_PORT = 49983;
const SERVER = readFileSync(new URL('../../test/support/fixtures/user-port-server.mjs', import.meta.url), 'utf8');
/**
 * The same WebSocket echo from inside the sandbox, to 127.0.0.1 (Node's own WebSocket client):
 * what the round trip costs without the gateway and relay. Prints the times as JSON.
 */
const IN_SANDBOX_ECHO = `
const [port, runs] = process.argv.slice(2).map(Number);
const socket = new WebSocket('ws://127.0.0.1:' + port + '/echo');
await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = () => reject(new Error('no WebSocket')); });
const ms = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  await new Promise((resolve) => { socket.onmessage = resolve; socket.send('ping ' + i); });
  ms.push(performance.now() - start);
}
socket.close();
console.log(JSON.stringify(ms));
`;

interface Target {
  readonly runnerUrl: URL;
  readonly sandbox: Sandbox;
  /** One keep-alive connection, as an SDK or a browser would reuse. */
  readonly agent: Agent;
}

interface Exchange {
  readonly byHost?: boolean;
  readonly method?: string;
  readonly uploadMiB?: number;
  readonly contentType?: string;
}

/** One request on the keep-alive connection; resolves with the body's byte count. */
function exchange(t: Target, port: number, path: string, options: Exchange = {}): Promise<number> {
  const headers: Record<string, string> = options.byHost ? {} : { 'e2b-sandbox-id': t.sandbox.sandboxId, 'e2b-sandbox-port': String(port) };
  if (options.contentType) headers['content-type'] = options.contentType;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.byHost ? t.sandbox.getHost(port).split(':')[0] : t.runnerUrl.hostname,
        port: t.runnerUrl.port,
        path,
        method: options.method ?? 'GET',
        headers,
        lookup: lookupLocalhost,
        agent: t.agent,
      },
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

async function echoRoundTrips(t: Target, runs: number): Promise<number[]> {
  // Node's WebSocket takes headers through undici's init, an extension to the standard constructor.
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

export const userPorts: Scenario = {
  id: 'user-ports',
  title: 'User ports through the relay',
  async run(ctx): Promise<ScenarioResult[]> {
    const transferMiB = ctx.runs(20, 5);
    const transfers = ctx.runs(3, 1);
    const small = ctx.runs(100, 20);
    const sandbox = await Sandbox.create('base', { ...ctx.opts, allowInternetAccess: false, secure: false });
    try {
      const t: Target = { runnerUrl: new URL(ctx.opts.apiUrl), sandbox, agent: new Agent({ keepAlive: true, maxSockets: 1 }) };
      await sandbox.files.write('/home/user/user-port-server.mjs', SERVER);
      await sandbox.files.write('/home/user/echo-client.mjs', IN_SANDBOX_ECHO);
      await sandbox.commands.run(`/opt/codebox/bin/node /home/user/user-port-server.mjs ${PORT}`, { background: true });
      await expectServer(t);
      const bytes = transferMiB * MIB;
      ctx.progress(`${transferMiB} MiB down and up, ${transfers} each, relay and envd`);
      const downName = `download ${transferMiB} MiB from a user port through the relay`;
      const envdDownName = `envd's file download of ${transferMiB} MiB over the same gateway (no relay)`;
      const down = await timeEach(transfers, async () => {
        if ((await exchange(t, PORT, `/bytes?mib=${transferMiB}`)) !== bytes) throw new Error('short download');
      });
      await sandbox.commands.run(`head -c ${bytes} /dev/zero > /home/user/ref.bin`);
      const envdDown = await timeEach(transfers, async () => {
        if ((await exchange(t, ENVD_PORT, '/files?path=/home/user/ref.bin')) !== bytes) throw new Error('short envd download');
      });
      // Under gVisor files live in the sandbox's memory: give it back before the uploads.
      await sandbox.commands.run('rm /home/user/ref.bin');
      const upName = `upload ${transferMiB} MiB to a user port through the relay (the server hashing it)`;
      const envdUpName = `envd's file upload of ${transferMiB} MiB over the same gateway (no relay; written to a file)`;
      const up = await timeEach(transfers, () => exchange(t, PORT, '/digest', { method: 'POST', uploadMiB: transferMiB }));
      const envdUp = await timeEach(transfers, async () => {
        await exchange(t, ENVD_PORT, '/files?path=/home/user/up.bin', { method: 'POST', uploadMiB: transferMiB, contentType: 'application/octet-stream' });
        await sandbox.commands.run('rm /home/user/up.bin');
      });

      ctx.progress(`small GETs and WebSocket echoes, ${small} each`);
      await exchange(t, PORT, '/');
      await exchange(t, ENVD_PORT, '/health');
      await exchange(t, PORT, '/', { byHost: true });
      const headerName = 'small GET to a user port by header (e2b-sandbox-id, e2b-sandbox-port)';
      const healthName = "envd's GET /health over the same gateway (no relay)";
      const getHeader = await timeEach(small, () => exchange(t, PORT, '/'));
      const getHost = await timeEach(small, () => exchange(t, PORT, '/', { byHost: true }));
      const health = await timeEach(small, () => exchange(t, ENVD_PORT, '/health'));
      const echoName = 'WebSocket echo round trip through the relay';
      const inSandboxName = 'the same echo from inside the sandbox to 127.0.0.1 (no gateway, no relay)';
      const echo = await echoRoundTrips(t, small);
      const inSandbox = JSON.parse((await sandbox.commands.run(`/opt/codebox/bin/node /home/user/echo-client.mjs ${PORT} ${small}`)).stdout) as number[];

      const mbps = (ms: readonly number[]): number => Math.round(bytes / 1e6 / (percentile(ms, 50) / 1000));
      const transferNote = `${transferMiB} MiB per transfer (not 100 MiB, to keep the whole bench short: a 20 MiB transfer still takes hundreds of ms, long beside a request's set-up on the kept-alive connection, so the rate is the transfer's), ${transfers} of each; p50 of the time, with the rate in the figures.`;
      const setup = `A base sandbox without network, a Node server from test/support/fixtures/user-port-server.mjs on port ${PORT} in it, reached over one keep-alive connection to the runner.`;
      return [
        measuredResult({
          id: 'user-port-get',
          title: 'User port: small GET round trip',
          runtime: ctx.runtime,
          method: `${setup} ${small} GETs of / by header, then ${small} by host name (<port>-<id>.localhost, resolved to loopback); the baseline is envd's GET /health on the same connection, which the gateway answers through the agent's socket without the relay.`,
          samples: [summarizeTimed(headerName, getHeader), summarizeTimed('small GET to a user port by host name (<port>-<id>.localhost)', getHost), summarizeTimed(healthName, health)],
          measured: headerName,
          baseline: { sample: healthName, note: 'the same gateway and agent socket, without the relay to the user port' },
        }),
        measuredResult({
          id: 'user-port-websocket',
          title: 'User port: WebSocket echo round trip',
          runtime: ctx.runtime,
          method: `${setup} ${small} messages echoed one after another on one WebSocket through the runner; the baseline is the same ${small} echoes from a Node client inside the sandbox to 127.0.0.1:${PORT}, so the difference is the gateway and the relay.`,
          samples: [summarize(echoName, echo), summarize(inSandboxName, inSandbox)],
          measured: echoName,
          baseline: { sample: inSandboxName, note: 'the same server and messages without the gateway and relay' },
        }),
        measuredResult({
          id: 'user-port-download',
          title: `User port: ${transferMiB} MiB download`,
          runtime: ctx.runtime,
          method: `${setup} ${transferNote} The baseline downloads a file of the same size with envd's GET /files over the same gateway and connection.`,
          samples: [summarizeTimed(downName, down), summarizeTimed(envdDownName, envdDown)],
          measured: downName,
          baseline: { sample: envdDownName, note: 'the same bytes out of the sandbox over the same gateway, without the relay' },
          figures: { 'relay download, MB/s (p50)': mbps(down.ms), "envd's download, MB/s (p50)": mbps(envdDown.ms) },
        }),
        measuredResult({
          id: 'user-port-upload',
          title: `User port: ${transferMiB} MiB upload`,
          runtime: ctx.runtime,
          method: `${setup} ${transferNote} The server hashes the body (sha256) as it arrives; the baseline uploads the same bytes with envd's POST /files (application/octet-stream) over the same gateway and connection, which writes them to a file (removed after each).`,
          samples: [summarizeTimed(upName, up), summarizeTimed(envdUpName, envdUp)],
          measured: upName,
          baseline: { sample: envdUpName, note: 'the same bytes into the sandbox over the same gateway, without the relay' },
          figures: { 'relay upload, MB/s (p50)': mbps(up.ms), "envd's upload, MB/s (p50)": mbps(envdUp.ms) },
        }),
      ];
    } finally {
      await sandbox.kill().catch(() => undefined);
    }
  },
};

/** The server in the sandbox answers through the relay (it was started in the background). */
async function expectServer(t: Target): Promise<void> {
  for (let i = 0; ; i++) {
    if ((await exchange(t, PORT, '/').catch(() => -1)) > 0) return;
    if (i > 100) throw new Error('the server in the sandbox did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}
