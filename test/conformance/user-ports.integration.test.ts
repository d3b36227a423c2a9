import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Sandbox } from '@codebox/core-client';
import { fetchByName, lookupLocalhost, webSocketByName } from '../support/localhost-names.js';
import { rawRequest } from '../support/raw-http.js';
import { useRunner } from '../support/use-runner.js';
import { clients, codeboxClient } from './clients.js';

const runner = useRunner();

const SERVER_SOURCE = readFileSync(new URL('../support/fixtures/user-port-server.mjs', import.meta.url), 'utf8');
const SERVER_PATH = '/home/user/user-port-server.mjs';
const PORT = 8000;

/** A request by `E2b-Sandbox-Id` + `E2b-Sandbox-Port` on the runner's URL (what E2B_SANDBOX_URL callers do). */
const byHeader = (sandbox: Sandbox, port: number, path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${runner().url}${path}`, {
    ...init,
    headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(port), ...(init.headers as Record<string, string>) },
  });

/** A request by the host name `getHost(port)` returns, resolved as browsers and curl resolve `*.localhost`. */
const byHost = (sandbox: Sandbox, port: number, path: string, init: RequestInit = {}): Promise<Response> =>
  fetchByName(`http://${sandbox.getHost(port)}${path}`, init);

/** byte i of the server's /bytes stream. */
const expectedBytesDigest = (mib: number): string => {
  const block = Buffer.alloc(251 * 261);
  for (let i = 0; i < block.length; i++) block[i] = i % 251;
  const hash = createHash('sha256');
  let left = mib * 1024 * 1024;
  while (left > 0) {
    const size = Math.min(block.length, left);
    hash.update(block.subarray(0, size));
    left -= size;
  }
  return hash.digest('hex');
};

/** Uploads `mib` MiB of random data as a stream (chunked, with backpressure) to /digest by host name. */
function uploadByHost(sandbox: Sandbox, mib: number): Promise<{ sent: { bytes: number; sha256: string }; got: { bytes: number; sha256: string } }> {
  const url = new URL(`http://${sandbox.getHost(PORT)}/digest`);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', lookup: lookupLocalhost }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ sent: { bytes: mib * 1024 * 1024, sha256: hash.digest('hex') }, got: JSON.parse(text) as { bytes: number; sha256: string } }));
    });
    req.on('error', reject);
    let left = mib;
    const pump = (): void => {
      while (left > 0) {
        left--;
        const chunk = randomBytes(1024 * 1024);
        hash.update(chunk);
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** Sends each message on a WebSocket and collects the echoes. */
async function echoOver(socket: WebSocket, messages: readonly string[]): Promise<string[]> {
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('WebSocket failed to open')), { once: true });
  });
  const echoes: string[] = [];
  const all = new Promise<void>((resolve) =>
    socket.addEventListener('message', (event: MessageEvent) => {
      echoes.push(String(event.data));
      if (echoes.length === messages.length) resolve();
    }),
  );
  for (const message of messages) socket.send(message);
  await all;
  const closed = new Promise<number>((resolve) => socket.addEventListener('close', (event) => resolve((event as Event & { code: number }).code), { once: true }));
  socket.close(1000);
  expect(await closed).toBe(1000);
  return echoes;
}

async function startServer(sandbox: Sandbox, port: number): Promise<void> {
  await sandbox.files.write(SERVER_PATH, SERVER_SOURCE);
  await sandbox.commands.run(`/opt/codebox/bin/node ${SERVER_PATH} ${port}`, { background: true });
  // vi.waitFor, not expect.poll: this runs in beforeAll too.
  await vi.waitFor(async () => expect((await byHeader(sandbox, port, '/', { headers: trafficHeader(sandbox) })).status).toBe(200), { timeout: 30_000, interval: 200 });
}

const trafficHeader = (sandbox: Sandbox): Record<string, string> =>
  sandbox.trafficAccessToken ? { 'E2B-Traffic-Access-Token': sandbox.trafficAccessToken } : {};

describe.each(clients)('user ports through the $name client (sandbox without network)', ({ module }) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await module.Sandbox.create('base', { allowInternetAccess: false });
    await startServer(sandbox, PORT);
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('names a port <port>-<id>.<domain>, the domain the runner reports (localhost:<its port>)', () => {
    const runnerPort = new URL(runner().url).port;
    expect(sandbox.sandboxDomain).toBe(`localhost:${runnerPort}`);
    expect(sandbox.getHost(PORT)).toBe(`${PORT}-${sandbox.sandboxId}.localhost:${runnerPort}`);
  });

  it('reaches the server by header and by host name; it sees the Host the client used and none of the credentials', async () => {
    const token = (sandbox as unknown as { envdAccessToken?: string }).envdAccessToken ?? 'none';
    const viaHeader = await byHeader(sandbox, PORT, '/a?b=1', { headers: { 'X-Access-Token': token, 'X-Custom': 'kept' } });
    expect(viaHeader.status).toBe(200);
    const seen = (await viaHeader.json()) as { url: string; host: string; headers: string[] };
    expect(seen.url).toBe('/a?b=1');
    expect(seen.host).toBe(new URL(runner().url).host);
    expect(seen.headers).toContain('x-custom');
    expect(seen.headers).not.toContain('x-access-token');

    const viaHost = await byHost(sandbox, PORT, '/by-name', { headers: { 'E2B-Traffic-Access-Token': 'x' } });
    expect(viaHost.status).toBe(200);
    const seenByName = (await viaHost.json()) as { url: string; host: string; headers: string[] };
    expect(seenByName).toMatchObject({ url: '/by-name', host: sandbox.getHost(PORT) });
    expect(seenByName.headers).not.toContain('e2b-traffic-access-token');
  });

  it('streams a 48 MiB upload and a 64 MiB download through the relay, bytes intact', async () => {
    const upload = await uploadByHost(sandbox, 48);
    expect(upload.got).toEqual(upload.sent);
    const download = await byHeader(sandbox, PORT, '/bytes?mib=64');
    expect(download.status).toBe(200);
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of download.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    expect(bytes).toBe(64 * 1024 * 1024);
    expect(hash.digest('hex')).toBe(expectedBytesDigest(64));
  });

  it('delivers server-sent events as the server writes them, not when the stream ends', async () => {
    const events = await byHost(sandbox, PORT, '/events');
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    const reader = (events.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    // The server holds the second event until /release: the first must arrive on its own.
    while (!text.includes('data: one\n\n')) {
      const { value, done } = await reader.read();
      expect(done, 'the stream ended before its first event arrived').toBe(false);
      text += decoder.decode(value, { stream: true });
    }
    expect(text).not.toContain('two');
    expect(await (await byHeader(sandbox, PORT, '/release')).text()).toBe('released');
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toBe('data: one\n\ndata: two\n\n');
  });

  it('relays a WebSocket both ways, by host name and by header', async () => {
    const big = 'x'.repeat(200_000);
    const byName = webSocketByName(`ws://${sandbox.getHost(PORT)}/echo`);
    expect(await echoOver(byName, ['hello', big, 'ünïcödé'])).toEqual(['hello', big, 'ünïcödé']);
    const runnerUrl = new URL(runner().url);
    const viaHeader = new WebSocket(`ws://${runnerUrl.host}/echo`, {
      headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(PORT) },
    } as unknown as string[]);
    expect(await echoOver(viaHeader, ['by header'])).toEqual(['by header']);
  });

  it('answers a port nothing listens on as E2B does: 502, JSON for programs, a page for browsers', async () => {
    const closed = await byHost(sandbox, 3000, '/');
    expect(closed.status).toBe(502);
    expect(closed.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await closed.json()).toEqual({ message: 'The sandbox is running but port is not open', sandboxId: sandbox.sandboxId, port: 3000, code: 502 });
    const page = await byHeader(sandbox, 3000, '/', { headers: { 'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0' } });
    expect(page.status).toBe(502);
    expect(await page.text()).toContain('<title>Closed Port Error</title>');
    const socket = webSocketByName(`ws://${sandbox.getHost(3001)}/`);
    const failed = await new Promise<string>((resolve) => {
      socket.addEventListener('error', () => resolve('error'));
      socket.addEventListener('open', () => resolve('open'));
    });
    expect(failed).toBe('error');
  });
});

describe('user ports: E2B’s own host test, access rules and hostile host names', () => {
  let sandbox: Sandbox;
  let e2bModule: (typeof clients)[number]['module'];
  beforeAll(async () => {
    e2bModule = (clients.find((c) => c.name === 'e2b') ?? clients[0])!.module;
    sandbox = await e2bModule.Sandbox.create('base');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('serves `python3 -m http.server` at getHost(8000), as E2B’s host.test does over https', async () => {
    await sandbox.commands.run('cd /tmp && python3 -m http.server 8000', { background: true });
    await expect.poll(async () => (await byHost(sandbox, 8000, '/')).status, { timeout: 30_000, interval: 200 }).toBe(200);
  });

  it('keeps envd’s and the interpreter’s ports the agent’s, with their access rules, by host name too', async () => {
    const token = (sandbox as unknown as { envdAccessToken?: string }).envdAccessToken ?? '';
    expect((await byHost(sandbox, 49983, '/health')).status).toBe(204);
    const unauthorised = await byHost(sandbox, 49983, '/envs');
    expect(unauthorised.status).toBe(401);
    expect((await byHost(sandbox, 49983, '/envs', { headers: { 'X-Access-Token': token } })).status).toBe(200);
    // A WebSocket to envd is refused by the agent: only user ports relay.
    const answer = await rawRequest(
      runner().url,
      `GET / HTTP/1.1\r\nHost: ${sandbox.getHost(49983)}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nX-Access-Token: ${token}\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('only user ports relay WebSockets');
  });

  it('serves the code interpreter (49999) by host name, the URL e2b-code-interpreter for Python < 2.9 builds (over https there)', async () => {
    const { Sandbox: Client } = codeboxClient.module;
    const interpreter = await Client.create('code-interpreter-v1');
    try {
      const token = (interpreter as unknown as { envdAccessToken?: string }).envdAccessToken ?? '';
      const execute = (headers: Record<string, string>): Promise<Response> =>
        fetchByName(`http://${interpreter.getHost(49999)}/execute`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify({ code: '6 * 7' }) });
      expect((await execute({})).status).toBe(401);
      const answer = await execute({ 'X-Access-Token': token });
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('"text":"42"');
    } finally {
      await interpreter.kill();
    }
  });

  it('gives another tenant’s sandbox by host name what it gives by header: its tokens are the credential, as on E2B', async () => {
    const { Sandbox: Client } = codeboxClient.module;
    const foreign = await Client.create('base', { apiKey: runner().keys[1] });
    try {
      // Tenant A's key is no credential on the data plane (the SDKs send none there): envd wants B's sandbox token.
      const envd = await fetchByName(`http://${foreign.getHost(49983)}/files?path=/etc/hostname`, { headers: { 'X-API-KEY': runner().keys[0] } });
      expect(envd.status).toBe(401);
      const closed = await fetchByName(`http://${foreign.getHost(8000)}/`);
      expect(closed.status).toBe(502);
      expect(await closed.json()).toMatchObject({ message: 'The sandbox is running but port is not open', sandboxId: foreign.sandboxId });
      // The control plane keeps it invisible to A.
      await expect(Client.getInfo(foreign.sandboxId, { apiKey: runner().keys[0] })).rejects.toThrow();
    } finally {
      await foreign.kill();
    }
  });

  it('answers a sandbox that does not exist, or no longer does, as E2B’s edge: 502 "The sandbox was not found"', async () => {
    const other = await e2bModule.Sandbox.create('base');
    const host = other.getHost(8000);
    await other.kill();
    const gone = await fetchByName(`http://${host}/`);
    expect(gone.status).toBe(502);
    expect(await gone.json()).toEqual({ message: 'The sandbox was not found', sandboxId: other.sandboxId, code: 502 });
  });

  it('refuses hostile or malformed host names with a clear 4xx, and keeps serving', async () => {
    const id = sandbox.sandboxId;
    const domain = sandbox.sandboxDomain ?? '';
    const cases: Array<[host: string, status: number, says: string]> = [
      [`8000-${id}.evil.test`, 421, 'not under this runner'],
      [`0x1f40-${id}.${domain}`, 400, 'not a port'],
      [`08000-${id}.${domain}`, 400, 'not a port'],
      [`0-${id}.${domain}`, 400, 'not a port'],
      [`65536-${id}.${domain}`, 400, 'not a port'],
      [`8000-${id.toUpperCase()}.${domain}`, 400, 'lower case'],
      [`${id}.${domain}`, 400, 'names no port'],
      [`a.8000-${id}.${domain}`, 400, 'more than one label'],
      [`8000-${id}-client.${domain}`, 400, '<clientId> form is not used here'],
      [`8000-short.${domain}`, 400, 'not a sandbox id'],
    ];
    for (const [host, status, says] of cases) {
      const answer = await rawRequest(runner().url, `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(answer.status, host).toBe(status);
      expect(answer.text, host).toContain(says);
    }
    // The id in the header and in the host name must agree; so must the ports.
    const mismatch = await byHost(sandbox, 8000, '/', { headers: { 'E2b-Sandbox-Id': 'a'.repeat(20) } });
    expect(mismatch.status).toBe(400);
    const portMismatch = await byHost(sandbox, 8000, '/', { headers: { 'E2b-Sandbox-Port': '8001' } });
    expect(portMismatch.status).toBe(400);
    // The control plane still answers at the domain itself and at api.<domain>.
    const runnerPort = new URL(runner().url).port;
    for (const name of [`localhost:${runnerPort}`, `api.localhost:${runnerPort}`]) {
      const api = await fetchByName(`http://${name}/v2/sandboxes`, { headers: { 'X-API-KEY': runner().keys[0] } });
      expect(api.status, name).toBe(200);
    }
    expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
  });

  it('demands the traffic token on user ports of a sandbox without public traffic, by host name as by header', async () => {
    const closedSandbox = await e2bModule.Sandbox.create('base', { network: { allowPublicTraffic: false } });
    try {
      await startServer(closedSandbox, PORT);
      const token = closedSandbox.trafficAccessToken ?? '';
      expect(token).not.toBe('');
      const denied = await byHost(closedSandbox, PORT, '/');
      expect(denied.status).toBe(403);
      expect((await byHost(closedSandbox, PORT, '/', { headers: { 'E2B-Traffic-Access-Token': 'wrong' } })).status).toBe(403);
      expect((await byHost(closedSandbox, PORT, '/', { headers: { 'E2B-Traffic-Access-Token': token } })).status).toBe(200);
      expect((await byHeader(closedSandbox, PORT, '/', { headers: { 'E2B-Traffic-Access-Token': token } })).status).toBe(200);
    } finally {
      await closedSandbox.kill();
    }
  });
});
