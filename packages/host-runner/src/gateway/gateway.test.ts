import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { Gateway } from './gateway.js';

const TOKEN = 'tok-123';
const SANDBOX_ID = 'abcdefghij0123456789';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let dir: string;
let agent: Server;
let agentHandler: Handler;
let front: Server;
let gateway: Gateway;
let baseUrl: URL;
let sandboxes: Map<string, SandboxRecord>;

function record(overrides: Partial<SandboxRecord> = {}): SandboxRecord {
  return {
    sandboxId: SANDBOX_ID,
    tenant: 't',
    templateId: 'base',
    metadata: {},
    allowInternetAccess: true,
    accessToken: TOKEN,
    startedAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    limits: { cpuCount: 1, memoryMiB: 512, diskMiB: 1024, pids: 256 },
    status: 'running',
    agentSocketPath: join(dir, 'agent.sock'),
    ...overrides,
  };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-gateway-'));
  agent = createServer((req, res) => agentHandler(req, res));
  agent.listen(join(dir, 'agent.sock'));
  await once(agent, 'listening');
  sandboxes = new Map([[SANDBOX_ID, record()]]);
  gateway = new Gateway({ lookup: (id) => sandboxes.get(id), logger: pino({ level: 'silent' }) });
  front = createServer((req, res) => gateway.handle(req, res));
  front.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => gateway.handleUpgrade(req, socket, head));
  front.listen(0, '127.0.0.1');
  await once(front, 'listening');
  baseUrl = new URL(`http://127.0.0.1:${(front.address() as AddressInfo).port}`);
});

afterEach(async () => {
  gateway.close();
  front.closeAllConnections();
  agent.closeAllConnections();
  await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => agent.close(r))]);
  await rm(dir, { recursive: true, force: true });
});

interface Sent {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function send(path: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, baseUrl), { method, headers: { 'e2b-sandbox-id': SANDBOX_ID, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Gateway', () => {
  it('forwards method, path, query, body and headers, minus credentials', async () => {
    let seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    agentHandler = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body };
        res.writeHead(207, { 'x-agent': 'yes', 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    };
    const response = await send('/process.Process/Start?x=1', {
      method: 'POST',
      headers: {
        'x-access-token': TOKEN,
        'x-api-key': 'e2b_00',
        'e2b-traffic-access-token': 'traffic',
        'e2b-sandbox-port': '49983',
        authorization: 'Basic dXNlcjo=',
        'content-type': 'application/connect+json',
      },
      body: '{"process":{}}',
    });
    expect(response).toMatchObject({ status: 207, body: '{"ok":true}' });
    expect(response.headers['x-agent']).toBe('yes');
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/process.Process/Start?x=1');
    expect(seen.body).toBe('{"process":{}}');
    expect(seen.headers?.['e2b-sandbox-port']).toBe('49983');
    expect(seen.headers?.['e2b-sandbox-id']).toBe(SANDBOX_ID);
    expect(seen.headers?.authorization).toBe('Basic dXNlcjo=');
    expect(seen.headers?.['content-type']).toBe('application/connect+json');
    expect(seen.headers).not.toHaveProperty('x-access-token');
    expect(seen.headers).not.toHaveProperty('x-api-key');
    expect(seen.headers).not.toHaveProperty('e2b-traffic-access-token');
  });

  it('answers E2B’s 502 body for unknown, exited and unreachable sandboxes', async () => {
    agentHandler = (_req, res) => res.end('unreachable');
    const expected = (id: string) => JSON.stringify({ message: 'The sandbox was not found', sandboxId: id, code: 502 });

    const unknown = await send('/health', { headers: { 'e2b-sandbox-id': 'zzzzzzzzzzzzzzzzzzzz' } });
    expect(unknown).toMatchObject({ status: 502, body: expected('zzzzzzzzzzzzzzzzzzzz') });

    sandboxes.set(SANDBOX_ID, record({ status: 'exited' }));
    expect(await send('/health')).toMatchObject({ status: 502, body: expected(SANDBOX_ID) });

    sandboxes.set(SANDBOX_ID, record({ agentSocketPath: join(dir, 'missing.sock') }));
    const dead = await send('/process.Process/List', { method: 'POST', headers: { 'x-access-token': TOKEN } });
    expect(dead).toMatchObject({ status: 502, body: expected(SANDBOX_ID) });
    expect(dead.headers['content-type']).toBe('application/json');
  });

  it('checks the access token but lets GET /health through', async () => {
    agentHandler = (_req, res) => res.end('reached');
    expect((await send('/files?path=a')).status).toBe(401);
    const wrong = await send('/files?path=a', { headers: { 'x-access-token': 'nope' } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 401 });
    expect(await send('/files?path=a', { headers: { 'x-access-token': TOKEN } })).toMatchObject({ status: 200, body: 'reached' });
    expect(await send('/health')).toMatchObject({ status: 200, body: 'reached' });

    sandboxes.set(SANDBOX_ID, record({ accessToken: undefined }));
    expect(await send('/files?path=a')).toMatchObject({ status: 200, body: 'reached' });
  });

  it('rejects a malformed E2b-Sandbox-Port', async () => {
    agentHandler = (_req, res) => res.end();
    expect((await send('/health', { headers: { 'e2b-sandbox-port': 'abc' } })).status).toBe(400);
  });

  it('streams a response chunk to the client before the upstream ends', async () => {
    let clientGotFirstChunk!: () => void;
    const firstChunkSeen = new Promise<void>((resolve) => (clientGotFirstChunk = resolve));
    agentHandler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('{"type":"stdout"}\n');
      // Ends only once the client has the first line: a buffering gateway would deadlock here.
      void firstChunkSeen.then(() => res.end('{"type":"end_of_execution"}\n'));
    };
    const chunks: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(new URL('/execute', baseUrl), { method: 'POST', headers: { 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': '49999', 'x-access-token': TOKEN } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          chunks.push(chunk);
          clientGotFirstChunk();
        });
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"code":"print(1)"}');
    });
    expect(chunks[0]).toBe('{"type":"stdout"}\n');
    expect(chunks.join('')).toBe('{"type":"stdout"}\n{"type":"end_of_execution"}\n');
  });

  it('streams the request body to the agent before the client finishes sending', async () => {
    let agentGotFirstChunk!: () => void;
    const firstChunk = new Promise<void>((resolve) => (agentGotFirstChunk = resolve));
    agentHandler = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
        agentGotFirstChunk();
      });
      req.on('end', () => res.end(body));
    };
    const response = await new Promise<string>((resolve, reject) => {
      const req = request(new URL('/process.Process/StreamInput', baseUrl), { method: 'POST', headers: { 'e2b-sandbox-id': SANDBOX_ID, 'x-access-token': TOKEN } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.write('first;');
      void firstChunk.then(() => req.end('second'));
    });
    expect(response).toBe('first;second');
  });

  it('destroys the upstream request when the client disconnects', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
    let started!: () => void;
    const streaming = new Promise<void>((resolve) => (started = resolve));
    agentHandler = (_req, res) => {
      res.writeHead(200);
      res.write('tick\n');
      res.on('close', () => upstreamClosed());
    };
    const req = request(new URL('/execute', baseUrl), { method: 'POST', headers: { 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': '49999', 'x-access-token': TOKEN } }, (res) => {
      res.once('data', () => started());
    });
    req.on('error', () => undefined);
    req.end();
    await streaming;
    req.destroy();
    // A gateway that kept the upstream open would leave `closed` pending and the test timing out.
    await expect(closed).resolves.toBeUndefined();
  });

  it('cuts the client off when the agent dies mid-response', async () => {
    agentHandler = (req, res) => {
      res.writeHead(200);
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 20);
    };
    const outcome = await new Promise<string>((resolve) => {
      const req = request(new URL('/execute', baseUrl), { method: 'POST', headers: { 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': '49999', 'x-access-token': TOKEN } }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve('clean end'));
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('error'));
      });
      req.on('error', () => resolve('error'));
      req.end();
    });
    expect(outcome).toBe('error');
  });

  it('answers targets no URL parser agrees on with 400 and forwards nothing', async () => {
    let forwarded = 0;
    agentHandler = (_req, res) => {
      forwarded++;
      res.end();
    };
    for (const path of ['//[x', '//evil/health', 'http://[']) {
      const response = await new Promise<number>((resolve, reject) => {
        // `path` as given: http.request does not normalise it.
        const req = request({ host: baseUrl.hostname, port: baseUrl.port, path, headers: { 'e2b-sandbox-id': SANDBOX_ID, 'x-access-token': TOKEN } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(response, path).toBe(400);
    }
    expect(forwarded).toBe(0);
  });

  it('demands the traffic token on 49999 and user ports of a sandbox that has one, not on envd', async () => {
    sandboxes.set(SANDBOX_ID, record({ trafficAccessToken: 'traffic' }));
    agentHandler = (_req, res) => res.end('ok');
    expect((await send('/contexts', { headers: { 'e2b-sandbox-port': '49999' } })).status).toBe(403);
    expect((await send('/', { headers: { 'e2b-sandbox-port': '8080', 'x-access-token': TOKEN } })).status).toBe(403);
    expect((await send('/contexts', { headers: { 'e2b-sandbox-port': '49999', 'e2b-traffic-access-token': 'nope' } })).status).toBe(403);
    expect((await send('/contexts', { headers: { 'e2b-sandbox-port': '49999', 'e2b-traffic-access-token': 'traffic' } })).status).toBe(200);
    expect((await send('/health')).status).toBe(200);
  });
});

describe('Gateway user ports', () => {
  const byHost = (port: number, path: string, headers: Record<string, string> = {}): Promise<Sent> =>
    new Promise((resolve, reject) => {
      const req = request(new URL(path, baseUrl), { headers: { host: `${port}-${SANDBOX_ID}.localhost:3201`, ...headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end();
    });

  it('routes <port>-<id>.<domain> to that sandbox and port, naming both to the agent, without the envd token', async () => {
    let seen: IncomingMessage['headers'] = {};
    agentHandler = (req, res) => {
      seen = req.headers;
      res.end('from the sandbox');
    };
    expect(gateway.claims({ headers: { host: `8000-${SANDBOX_ID}.localhost` } } as IncomingMessage)).toBe(true);
    expect(gateway.claims({ headers: { host: '127.0.0.1:3201' } } as IncomingMessage)).toBe(false);
    const response = await byHost(8000, '/x?y=1');
    expect(response).toMatchObject({ status: 200, body: 'from the sandbox' });
    expect(seen['e2b-sandbox-id']).toBe(SANDBOX_ID);
    expect(seen['e2b-sandbox-port']).toBe('8000');
    expect(seen.host).toBe(`8000-${SANDBOX_ID}.localhost:3201`);
    // The agent's own port by host name keeps its access token.
    expect((await byHost(49983, '/envs')).status).toBe(401);
    expect((await byHost(49983, '/envs', { 'x-access-token': TOKEN })).status).toBe(200);
  });

  it('refuses a Host and headers that disagree, and malformed host names, before any lookup', async () => {
    let forwarded = 0;
    agentHandler = (_req, res) => {
      forwarded++;
      res.end();
    };
    expect((await byHost(8000, '/', { 'e2b-sandbox-id': 'b'.repeat(20) })).status).toBe(400);
    expect((await byHost(8000, '/', { 'e2b-sandbox-port': '8001' })).status).toBe(400);
    expect((await byHost(8000, '/', { 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': '8000' })).status).toBe(200);
    expect((await send('/', { headers: { host: `08000-${SANDBOX_ID}.localhost` } })).status).toBe(400);
    expect((await send('/', { headers: { host: `8000-${SANDBOX_ID}.evil.test` } })).status).toBe(421);
    expect((await send('/', { headers: { 'e2b-sandbox-port': '0x1f40' } })).status).toBe(400);
    expect((await send('/', { headers: { 'e2b-sandbox-port': '08000' } })).status).toBe(400);
    expect(forwarded).toBe(1);
  });

  it('answers 503 past the per-sandbox limit of user-port exchanges, and not for envd', async () => {
    gateway.close();
    gateway = new Gateway({ lookup: (id) => sandboxes.get(id), logger: pino({ level: 'silent' }), maxUserPortConnections: 1 });
    let held!: ServerResponse;
    let arrived!: () => void;
    const first = new Promise<void>((resolve) => (arrived = resolve));
    agentHandler = (req, res) => {
      if (req.headers['e2b-sandbox-port'] === '8000' && !held) {
        held = res;
        res.writeHead(200);
        res.write('streaming');
        arrived();
        return;
      }
      res.end('ok');
    };
    const streaming = new Promise<void>((resolve) => {
      request(new URL('/', baseUrl), { headers: { host: `8000-${SANDBOX_ID}.localhost` } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      }).end();
    });
    await first;
    const refused = await byHost(8000, '/');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await send('/health')).status).toBe(200);
    held.end();
    await streaming;
    await expect.poll(async () => (await byHost(8000, '/')).status).toBe(200);
  });

  it('tunnels an Upgrade to the agent with the id and port as resolved and without credentials, then bytes both ways', async () => {
    const heads: string[] = [];
    agent.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      heads.push(JSON.stringify(req.headers));
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (chunk: Buffer) => socket.write(chunk.toString().toUpperCase()));
      // An http.Server's sockets allow half-open: the runner closing its end must close this one.
      socket.on('end', () => socket.destroy());
    });
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = request(new URL('/ws', baseUrl), {
        headers: { host: `8000-${SANDBOX_ID}.localhost`, connection: 'Upgrade', upgrade: 'echo', 'x-access-token': TOKEN, 'e2b-traffic-access-token': 't' },
      });
      req.on('upgrade', (_res, socket: Socket) => {
        socket.once('data', (chunk: Buffer) => {
          socket.destroy();
          resolve(chunk.toString());
        });
        socket.write('hello');
      });
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('HELLO');
    const headers = JSON.parse(heads[0] ?? '{}') as Record<string, string>;
    expect(headers).toMatchObject({ 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': '8000', upgrade: 'echo' });
    expect(headers['x-access-token']).toBeUndefined();
    expect(headers['e2b-traffic-access-token']).toBeUndefined();
  });

  it('answers a refused Upgrade on the raw socket, and a gone sandbox as E2B', async () => {
    const answer = async (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = request(new URL('/', baseUrl), { headers: { connection: 'Upgrade', upgrade: 'websocket', ...headers } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('upgrade', () => reject(new Error('upgraded')));
        req.on('error', reject);
        req.end();
      });
    expect(await answer({ host: `8000-${SANDBOX_ID}.evil.test` })).toBe(421);
    expect(await answer({ host: `8000-${'z'.repeat(20)}.localhost` })).toBe(502);
    sandboxes.set(SANDBOX_ID, record({ trafficAccessToken: 'traffic' }));
    expect(await answer({ host: `8000-${SANDBOX_ID}.localhost` })).toBe(403);
  });
});
