import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EgressFloor } from './egress-floor.js';
import { OPEN_EGRESS, type EgressPolicy } from './egress-policy.js';
import { EgressProxy, type EgressProxyLimits } from './egress-proxy.js';

// No redirect in a unit test: the proxy is told the destination, a server on 127.0.0.2 (outside
// the floor's host-address set, which holds 127.0.0.1). The real path is egress-proxy.integration.test.ts.
const TARGET = '127.0.0.2';
const floor = new EgressFloor({ specialPurpose: [], egressAllow: [] });
const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.splice(0)) step();
});

async function listen(server: Server, address: string): Promise<number> {
  server.listen(0, address);
  await once(server, 'listening');
  cleanup.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** Upper-cases what it reads and answers once the client has finished sending (needs half-close). */
async function shoutingTarget(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    accepted++;
    socket.on('error', () => undefined);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end(Buffer.concat(chunks).toString().toUpperCase()));
  });
  return { port: await listen(server, TARGET), accepted: () => accepted };
}

async function startProxy(policy: EgressPolicy | undefined, port: number, limits: Partial<EgressProxyLimits> = {}): Promise<EgressProxy> {
  const proxy = new EgressProxy({
    listen: { address: '127.0.0.1', port: 0 },
    source: { lookup: (address) => (policy && address === '127.0.0.1' ? { sandboxId: 'sb', tenant: 't', policy } : undefined) },
    pins: { isPinned: () => false },
    floor,
    logger: pino({ level: 'silent' }),
    limits,
    destinationOf: () => ({ address: TARGET, port }),
  });
  await proxy.start();
  cleanup.push(() => void proxy.stop());
  return proxy;
}

/** Sends `text`, half-closes, and collects the answer and how the connection ended. */
async function exchange(port: number, text: string): Promise<{ reply: string; ended: 'end' | 'error' }> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.end(text);
  const ended = await new Promise<'end' | 'error'>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', () => resolve('error'));
  });
  socket.destroy();
  return { reply: Buffer.concat(chunks).toString(), ended };
}

describe('EgressProxy', () => {
  it('relays both ways and passes a half-close on', async () => {
    const target = await shoutingTarget();
    const proxy = await startProxy(OPEN_EGRESS, target.port);
    expect(await exchange(proxy.port, 'hello through the proxy')).toEqual({ reply: 'HELLO THROUGH THE PROXY', ended: 'end' });
  });

  it('closes connections from an address it knows no sandbox for', async () => {
    const target = await shoutingTarget();
    const proxy = await startProxy(undefined, target.port);
    expect((await exchange(proxy.port, 'x')).reply).toBe('');
    expect(target.accepted()).toBe(0);
  });

  it('answers a denied plain-HTTP request with 403, and resets anything else', async () => {
    const target = await shoutingTarget();
    const denied: EgressPolicy = { allowOut: [{ kind: 'domain', pattern: 'ok.test' }], denyOut: [{ kind: 'cidr', cidr: '0.0.0.0/0' }], rules: {} };
    const proxy = await startProxy(denied, target.port, { nameWaitMs: 200 });
    const http = await exchange(proxy.port, 'GET / HTTP/1.1\r\nHost: ok.test\r\n\r\n');
    expect(http.reply).toMatch(/^HTTP\/1.1 403 Forbidden\r\n[^]*\r\n\r\nBlocked by the sandbox's egress policy.\n$/);
    const length = Number(/Content-Length: (\d+)/.exec(http.reply)?.[1]);
    expect(length).toBe(http.reply.length - http.reply.indexOf('\r\n\r\n') - 4);
    expect(await exchange(proxy.port, 'SSH-2.0-client\r\n')).toEqual({ reply: '', ended: 'error' });
    expect(target.accepted()).toBe(0);
  });

  it('bounds the connections of one sandbox', async () => {
    const target = await shoutingTarget();
    const proxy = await startProxy(OPEN_EGRESS, target.port, { connectionsPerSandbox: 1 });
    const first = connect({ port: proxy.port, host: '127.0.0.1' });
    first.on('error', () => undefined);
    cleanup.push(() => first.destroy());
    await expect.poll(() => target.accepted()).toBe(1);
    expect((await exchange(proxy.port, 'second')).ended).toBe('error');
    first.destroy();
    await expect.poll(() => proxy.connections('127.0.0.1')).toBe(0);
    expect((await exchange(proxy.port, 'third')).reply).toBe('THIRD');
  });

  it('closes a connection idle past the limit', async () => {
    const target = await shoutingTarget();
    const proxy = await startProxy(OPEN_EGRESS, target.port, { idleMs: 200 });
    const socket: Socket = connect({ port: proxy.port, host: '127.0.0.1' });
    socket.on('error', () => undefined);
    await once(socket, 'close');
    await expect.poll(() => proxy.connections('127.0.0.1')).toBe(0);
  });

  it('fails the connection, not the runner, when the destination refuses', async () => {
    const closed = createServer();
    const port = await listen(closed, TARGET);
    closed.close();
    const proxy = await startProxy(OPEN_EGRESS, port);
    expect(await exchange(proxy.port, 'x')).toEqual({ reply: '', ended: 'error' });
  });
});
