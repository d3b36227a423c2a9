import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeaderTransform } from './egress-policy.js';
import { HeaderInterceptor } from './header-interception.js';
import { SandboxCa } from './sandbox-ca.js';

/**
 * The interception against real servers on loopback: an HTTPS test host with its own CA (made
 * here with the same library, so the upstream is verified against a CA the interceptor was told
 * to trust), a stand-in for the egress proxy that sniffs the first bytes and hands the connection
 * over, and clients that trust only the sandbox's CA.
 */

const NAME = 'api.test.internal';
const SECRET = 'sk-live-0123456789-SECRET';
const secrets = new Map<string, string>([['openai-key', SECRET]]);
const logger = pino({ level: 'silent' });

let sandboxCa: SandboxCa;
let upstreamCa: SandboxCa;
let interceptor: HeaderInterceptor;
let httpsUpstream: Server;
let httpUpstream: Server;
const seen: IncomingHttpHeaders[] = [];
let upstreamConnections = 0;
const proxies: NetServer[] = [];

function upstreamHandler(req: IncomingMessage, res: import('node:http').ServerResponse): void {
  seen.push(req.headers);
  if (req.url === '/upload') {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    req.on('end', () => res.end(JSON.stringify({ bytes, sha256: hash.digest('hex') })));
    return;
  }
  if (req.url === '/download') {
    const chunk = Buffer.alloc(1024 * 1024, 7);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let left = 10;
    const more = (): void => {
      while (left > 0) {
        left -= 1;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      res.end();
    };
    more();
    return;
  }
  res.writeHead(200, { 'x-upstream': 'yes', 'content-type': 'application/json' });
  res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, url: req.url }));
}

function onUpgrade(server: Server): void {
  server.on('upgrade', (req: IncomingMessage, socket: import('node:stream').Duplex) => {
    seen.push(req.headers);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.pipe(socket);
  });
}

/** A stand-in for the egress proxy: reads the first bytes, then hands the connection over with these transforms. */
async function proxyFor(upstream: Server, transforms: readonly HeaderTransform[]): Promise<number> {
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const proxy = createNetServer((client) => {
    client.once('data', (firstBytes: Buffer) => {
      client.pause();
      interceptor.intercept({
        client,
        firstBytes,
        name: NAME,
        port: 443,
        transforms,
        resolveSecret: (name) => secrets.get(name.toLowerCase()),
        connectUpstream: async () => {
          const socket = connect(upstreamPort, '127.0.0.1');
          await once(socket, 'connect');
          return socket;
        },
        sandboxCa,
        logger,
      });
    });
  });
  proxies.push(proxy);
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  return (proxy.address() as AddressInfo).port;
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  peer?: TLSSocket;
}

function call(port: number, { method = 'GET', path = '/', headers = {}, body, tls = true, agent }: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer; tls?: boolean; agent?: import('node:http').Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Connects to the stand-in proxy on loopback but asks for NAME, as a sandbox would through DNS.
    const options = { host: '127.0.0.1', port, method, path, headers: { host: NAME, ...headers }, ...(agent ? { agent } : {}) };
    const req = tls ? httpsRequest({ ...options, servername: NAME, ca: sandboxCa.certPem, ALPNProtocols: ['h2', 'http/1.1'] } as import('node:https').RequestOptions) : httpRequest(options);
    req.on('response', (res) => {
      const socket = res.socket as TLSSocket;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ...(tls ? { peer: socket } : {}) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  sandboxCa = await SandboxCa.create('testsandbox0000000001');
  upstreamCa = await SandboxCa.create('upstream-test-host');
  const upstreamContext = await upstreamCa.contextFor(NAME);
  interceptor = new HeaderInterceptor({ upstreamCa: [upstreamCa.certPem] });
  httpsUpstream = createHttpsServer({ SNICallback: (_name, callback) => callback(null, upstreamContext) }, upstreamHandler);
  httpsUpstream.on('connection', () => (upstreamConnections += 1));
  onUpgrade(httpsUpstream);
  httpUpstream = createHttpServer(upstreamHandler);
  onUpgrade(httpUpstream);
  for (const server of [httpsUpstream, httpUpstream]) {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  }
});

afterAll(() => {
  interceptor.close();
  for (const server of [...proxies, httpsUpstream, httpUpstream]) server.close();
});

const bearer: HeaderTransform[] = [{ headers: { Authorization: 'Bearer ${e2b.secrets.openai-key}' } }];

describe('HeaderInterceptor over TLS', () => {
  it('injects the secret, presents a leaf of the sandbox CA for the name, offers http/1.1 only', async () => {
    const port = await proxyFor(httpsUpstream, bearer);
    const reply = await call(port, { path: '/hello' });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-upstream']).toBe('yes');
    expect(JSON.parse(reply.body.toString())).toEqual({ authorization: `Bearer ${SECRET}`, url: '/hello' });
    const peer = reply.peer as TLSSocket;
    expect(peer.alpnProtocol).toBe('http/1.1');
    const leaf = peer.getPeerX509Certificate() as X509Certificate;
    expect(leaf.subjectAltName).toBe(`DNS:${NAME}`);
    expect(leaf.verify(new X509Certificate(sandboxCa.certPem).publicKey)).toBe(true);
    expect(leaf.checkIssued(new X509Certificate(sandboxCa.certPem))).toBe(true);
  });

  it('replaces a header of the same name the sandbox sent, whatever its case', async () => {
    const port = await proxyFor(httpsUpstream, bearer);
    const reply = await call(port, { headers: { authorization: 'Bearer from-the-sandbox' } });
    expect(JSON.parse(reply.body.toString()).authorization).toBe(`Bearer ${SECRET}`);
  });

  it('answers 502 naming an unknown placeholder, with no secret value, and forwards nothing', async () => {
    const port = await proxyFor(httpsUpstream, [{ headers: { Authorization: 'Bearer ${e2b.secrets.openai-key}', 'X-Other': '${e2b.secrets.missing-one}' } }]);
    const before = seen.length;
    const reply = await call(port);
    expect(reply.status).toBe(502);
    expect(reply.body.toString()).toContain('${e2b.secrets.missing-one}');
    expect(reply.body.toString()).not.toContain(SECRET);
    expect(JSON.stringify(reply.headers)).not.toContain(SECRET);
    expect(seen.length).toBe(before);
  });

  it('answers 502 for a secret Node cannot put in a header (outside Latin-1), without the value, and keeps serving', async () => {
    secrets.set('emoji-key', 'sk-\u{1F511}-emoji-value');
    const port = await proxyFor(httpsUpstream, [{ headers: { 'X-Key': '${e2b.secrets.emoji-key}' } }]);
    const reply = await call(port);
    expect(reply.status).toBe(502);
    expect(reply.body.toString()).toContain('X-Key');
    expect(reply.body.toString()).not.toContain('emoji-value');
    const after = await call(await proxyFor(httpsUpstream, bearer));
    expect(after.status).toBe(200);
  });

  it('uses the current value per request (rotation) over one kept-alive upstream connection', async () => {
    const port = await proxyFor(httpsUpstream, bearer);
    const agent = new (await import('node:https')).Agent({ keepAlive: true, maxSockets: 1 });
    const connectionsBefore = upstreamConnections;
    const first = await call(port, { agent });
    secrets.set('openai-key', `${SECRET}-rotated`);
    const second = await call(port, { agent });
    secrets.set('openai-key', SECRET);
    const third = await call(port, { agent });
    agent.destroy();
    expect(JSON.parse(first.body.toString()).authorization).toBe(`Bearer ${SECRET}`);
    expect(JSON.parse(second.body.toString()).authorization).toBe(`Bearer ${SECRET}-rotated`);
    expect(JSON.parse(third.body.toString()).authorization).toBe(`Bearer ${SECRET}`);
    expect(upstreamConnections - connectionsBefore).toBe(1);
  });

  it('streams 10 MiB both ways', async () => {
    const port = await proxyFor(httpsUpstream, bearer);
    const payload = Buffer.alloc(10 * 1024 * 1024, 3);
    const upload = await call(port, { method: 'POST', path: '/upload', body: payload, headers: { 'content-type': 'application/octet-stream' } });
    expect(JSON.parse(upload.body.toString())).toEqual({ bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') });
    const download = await call(port, { path: '/download' });
    expect(download.body.length).toBe(10 * 1024 * 1024);
    expect(download.body.every((byte) => byte === 7)).toBe(true);
  });

  it('passes an Upgrade through after injecting into its headers', async () => {
    const port = await proxyFor(httpsUpstream, bearer);
    const { connect: tlsConnect } = await import('node:tls');
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: NAME, ca: sandboxCa.certPem });
    await once(socket, 'secureConnect');
    socket.write(`GET /ws HTTP/1.1\r\nHost: ${NAME}\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n`);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    await expect.poll(() => received).toContain('101 Switching Protocols');
    expect(seen.at(-1)?.authorization).toBe(`Bearer ${SECRET}`);
    socket.write('ping-through-the-tunnel');
    await expect.poll(() => received).toContain('ping-through-the-tunnel');
    socket.destroy();
  });

  it('answers 502 when the upstream certificate is not one it trusts', async () => {
    const untrusted = await SandboxCa.create('someone-else');
    const context = await untrusted.contextFor(NAME);
    const rogue = createHttpsServer({ SNICallback: (_name, callback) => callback(null, context) }, upstreamHandler);
    rogue.listen(0, '127.0.0.1');
    await once(rogue, 'listening');
    const port = await proxyFor(rogue, bearer);
    const before = seen.length;
    const reply = await call(port);
    rogue.close();
    expect(reply.status).toBe(502);
    expect(reply.body.toString()).toMatch(/UNABLE_TO_VERIFY|SELF_SIGNED|unable to verify/i);
    expect(seen.length).toBe(before);
  });
});

describe('HeaderInterceptor over plain HTTP', () => {
  it('injects the header without TLS', async () => {
    const port = await proxyFor(httpUpstream, bearer);
    const reply = await call(port, { tls: false, headers: { authorization: 'x' } });
    expect(JSON.parse(reply.body.toString()).authorization).toBe(`Bearer ${SECRET}`);
  });

  it('leaves a connection that sends nothing alone until it closes', async () => {
    const port = await proxyFor(httpUpstream, bearer);
    const socket: Socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const data = await once(socket, 'data');
    expect(String(data[0])).toContain(`Bearer ${SECRET}`);
    socket.destroy();
  });
});

describe('loadUpstreamTrust', () => {
  it('adds the operator\'s CA file to the system roots and refuses a file without certificates', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadUpstreamTrust, EgressTrustedCaError } = await import('./header-interception.js');
    const dir = await mkdtemp(join(tmpdir(), 'codebox-trust-'));
    try {
      const system = await loadUpstreamTrust();
      expect(system.length).toBeGreaterThan(50);
      await writeFile(join(dir, 'ca.pem'), upstreamCa.certPem);
      const withExtra = await loadUpstreamTrust(join(dir, 'ca.pem'));
      expect(withExtra).toContain(upstreamCa.certPem.trim());
      await writeFile(join(dir, 'empty.pem'), 'nothing here');
      await expect(loadUpstreamTrust(join(dir, 'empty.pem'))).rejects.toBeInstanceOf(EgressTrustedCaError);
      await expect(loadUpstreamTrust(join(dir, 'missing.pem'))).rejects.toBeInstanceOf(EgressTrustedCaError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
