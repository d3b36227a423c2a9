import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectLoopback, PortClosedError } from './loopback-connect.js';
import { canonicalHeaderCase, UserPortRelay } from './user-port-relay.js';

const SANDBOX_ID = 'abcdefghij0123456789';

let front: Server;
let user: Server;
let relay: UserPortRelay;
let frontUrl: URL;
let userPort: number;
let userHandler: (req: IncomingMessage, res: ServerResponse) => void;

const listen = async (server: Server | ReturnType<typeof createTcpServer>, host = '127.0.0.1'): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
};

/** A port nothing listens on: bound, then released. */
const closedPort = async (): Promise<number> => {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

function startFront(max?: number): Promise<number> {
  relay = new UserPortRelay({ logger: pino({ level: 'silent' }), ...(max === undefined ? {} : { maxConnections: max }) });
  front = createServer((req, res) => relay.relayRequest(req, res, Number(req.headers['e2b-sandbox-port'])));
  front.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => relay.relayUpgrade(req, socket, head, Number(req.headers['e2b-sandbox-port'])));
  return listen(front);
}

beforeEach(async () => {
  user = createServer((req, res) => userHandler(req, res));
  userPort = await listen(user);
  frontUrl = new URL(`http://127.0.0.1:${await startFront()}`);
});

afterEach(async () => {
  front.closeAllConnections();
  user.closeAllConnections();
  await Promise.all([new Promise((r) => front.close(r)), new Promise((r) => user.close(r))]);
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function call(port: number, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/path?q=1', frontUrl), { method, headers: { 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': String(port), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('UserPortRelay over HTTP', () => {
  it('relays method, target, Host, headers and both bodies; hop-by-hop headers stay behind', async () => {
    let seen: { method?: string; url?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    userHandler = (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen = { method: req.method, url: req.url, headers: req.headers, body };
        res.writeHead(201, 'Made', { 'set-cookie': ['a=1', 'b=2'], 'x-user': 'yes', 'keep-alive': 'timeout=5' });
        res.end('made it');
      });
    };
    const answer = await call(userPort, { method: 'PUT', headers: { host: `8000-${SANDBOX_ID}.localhost:3201`, 'x-in': 'v', te: 'trailers' }, body: 'payload' });
    expect(answer).toMatchObject({ status: 201, body: 'made it' });
    expect(answer.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(answer.headers['x-user']).toBe('yes');
    expect(seen).toMatchObject({ method: 'PUT', url: '/path?q=1', body: 'payload' });
    expect(seen.headers).toMatchObject({ host: `8000-${SANDBOX_ID}.localhost:3201`, 'x-in': 'v' });
    expect(seen.headers?.te).toBeUndefined();
  });

  it('writes header names to the user server in canonical case, as E2B’s proxy does', async () => {
    let rawNames: string[] = [];
    userHandler = (req, res) => {
      rawNames = req.rawHeaders.filter((_, i) => i % 2 === 0);
      res.end();
    };
    await call(userPort, { headers: { host: 'custom-host.example.com:8080', 'x-custom-thing': 'v' } });
    expect(rawNames).toEqual(expect.arrayContaining(['Host', 'X-Custom-Thing', 'E2b-Sandbox-Id']));
    expect(rawNames).toEqual(Object.keys(canonicalHeaderCase(Object.fromEntries(rawNames.map((name) => [name, ''])))));
  });

  it('canonicalHeaderCase: Go’s form for any input case', () => {
    expect(Object.keys(canonicalHeaderCase({ host: 'a', 'USER-AGENT': 'b', 'e2b-sandbox-id': 'c', 'x-a-b': 'd' }))).toEqual(['Host', 'User-Agent', 'E2b-Sandbox-Id', 'X-A-B']);
  });

  it('holds a fast server back to what a slow client reads (backpressure, nothing buffered without bound)', async () => {
    const MIB = 1024 * 1024;
    let written = 0;
    let waiting = false;
    userHandler = (_req, res) => {
      const chunk = Buffer.alloc(64 * 1024);
      const pump = (): void => {
        waiting = false;
        while (written < 128 * MIB) {
          written += chunk.length;
          if (!res.write(chunk)) {
            waiting = true;
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
    };
    let received = 0;
    const reading = new Promise<IncomingMessage>((resolve, reject) => {
      request(new URL('/', frontUrl), { headers: { 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': String(userPort) } }, (res) => {
        res.pause();
        resolve(res);
      })
        .on('error', reject)
        .end();
    });
    const res = await reading;
    // The client reads nothing: the chain fills (socket buffers, a stream's high-water mark per hop) and the server waits.
    let last = -1;
    const settled = (): boolean => {
      const still = waiting && written === last;
      last = written;
      return still;
    };
    await expect.poll(settled, { timeout: 10_000, interval: 200 }).toBe(true);
    expect(written).toBeLessThan(32 * MIB);
    res.on('data', (chunk: Buffer) => (received += chunk.length));
    res.resume();
    await new Promise<void>((resolve) => res.on('end', () => resolve()));
    expect(received).toBe(128 * MIB);
  });

  it('answers a closed port with E2B’s 502: JSON for programs, an HTML page for browsers', async () => {
    const port = await closedPort();
    const json = await call(port);
    expect(json.status).toBe(502);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.body)).toEqual({ message: 'The sandbox is running but port is not open', sandboxId: SANDBOX_ID, port, code: 502 });
    const page = await call(port, { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', 'e2b-sandbox-id': '<b>x</b>' } });
    expect(page.status).toBe(502);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<title>Closed Port Error</title>');
    expect(page.body).not.toContain('<b>');
  });

  it('refuses past its limit with 503, and frees the slot when the exchange ends', async () => {
    front.closeAllConnections();
    await new Promise((r) => front.close(r));
    frontUrl = new URL(`http://127.0.0.1:${await startFront(1)}`);
    let hold!: ServerResponse;
    let arrived!: () => void;
    const held = new Promise<void>((resolve) => (arrived = resolve));
    userHandler = (_req, res) => {
      if (!hold) {
        hold = res;
        res.writeHead(200);
        res.write('x');
        arrived();
      } else res.end('second');
    };
    const first = call(userPort);
    await held;
    expect(relay.open).toBe(1);
    expect((await call(userPort)).status).toBe(503);
    hold.end('done');
    expect((await first).body).toBe('xdone');
    await expect.poll(() => relay.open).toBe(0);
    expect((await call(userPort)).body).toBe('second');
  });

  it('cuts the client off when the server drops the connection mid-body, and answers 502 when it drops before answering', async () => {
    userHandler = (req, res) => {
      if (req.url === '/path?q=1' && req.headers['x-mode'] === 'mid') {
        res.writeHead(200, { 'content-length': '100' });
        res.write('partial');
        setImmediate(() => req.socket.destroy());
      } else req.socket.destroy();
    };
    await expect(call(userPort, { headers: { 'x-mode': 'mid' } })).rejects.toThrow();
    const early = await call(userPort);
    expect(early.status).toBe(502);
    expect(JSON.parse(early.body)).toMatchObject({ code: 502, message: expect.stringContaining('closed the connection') });
  });
});

describe('UserPortRelay over Upgrade', () => {
  const upgrade = (port: number): Promise<{ status?: number; socket?: Socket; text?: string }> =>
    new Promise((resolve, reject) => {
      const req = request(new URL('/ws', frontUrl), { headers: { connection: 'Upgrade', upgrade: 'echo', 'e2b-sandbox-id': SANDBOX_ID, 'e2b-sandbox-port': String(port) } });
      req.on('upgrade', (res, socket: Socket) => resolve({ status: res.statusCode ?? 0, socket }));
      req.on('response', (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end();
    });

  it('writes the head as received and relays bytes both ways until either side closes', async () => {
    let head = '';
    user.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      head = `${req.method} ${req.url} ${req.headers.upgrade}`;
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      socket.on('data', (chunk: Buffer) => socket.write(`echo:${chunk.toString()}`));
      socket.on('end', () => socket.end());
    });
    const { status, socket } = await upgrade(userPort);
    expect(status).toBe(101);
    expect(head).toBe('GET /ws echo');
    const echoed = await new Promise<string>((resolve) => {
      socket?.once('data', (chunk: Buffer) => resolve(chunk.toString()));
      socket?.write('ping');
    });
    expect(echoed).toBe('echo:ping');
    socket?.end();
    await expect.poll(() => relay.open).toBe(0);
  });

  it('ends open tunnels on close', async () => {
    user.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
      socket.on('error', () => socket.destroy());
      socket.on('end', () => socket.destroy());
    });
    const { socket } = await upgrade(userPort);
    socket?.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));
    relay.close();
    await closed;
    await expect.poll(() => relay.open).toBe(0);
  });

  it('answers a closed port with the 502 body on the raw socket', async () => {
    const port = await closedPort();
    const answer = await upgrade(port);
    expect(answer.status).toBe(502);
    expect(JSON.parse(answer.text ?? '')).toMatchObject({ message: 'The sandbox is running but port is not open', port });
  });
});

describe('connectLoopback', () => {
  it('falls back to ::1 for a server bound there only, and reports a closed port as PortClosedError', async () => {
    const v6 = createTcpServer((socket) => socket.on('error', () => socket.destroy()));
    const port = await listen(v6, '::1');
    try {
      const socket = await connectLoopback(port);
      expect(socket.remoteAddress).toBe('::1');
      socket.destroy();
    } finally {
      await new Promise<void>((resolve) => v6.close(() => resolve()));
    }
    await expect(connectLoopback(await closedPort())).rejects.toBeInstanceOf(PortClosedError);
  });
});
