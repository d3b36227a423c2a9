import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseClientHello } from './client-hello.js';

/** The first bytes Node's own TLS client sends, captured by a plain TCP server. */
async function realClientHello(servername?: string): Promise<Buffer> {
  const server = createServer();
  const received = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        const all = Buffer.concat(chunks);
        if (all.length >= 5 && all.length >= 5 + all.readUInt16BE(3)) {
          socket.destroy();
          resolve(all);
        }
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...(servername ? { servername } : {}) });
  client.on('error', () => undefined);
  try {
    return await received;
  } finally {
    client.destroy();
    server.close();
  }
}

describe('parseClientHello', () => {
  it('reads the server name of a real ClientHello', async () => {
    const hello = await realClientHello('Target.Test');
    expect(parseClientHello(hello)).toEqual({ kind: 'tls', serverName: 'target.test' });
  });

  it('says a ClientHello without SNI names no server', async () => {
    // Node sends no SNI for an IP-literal host.
    expect(parseClientHello(await realClientHello())).toEqual({ kind: 'tls' });
  });

  it('asks for more bytes until the record is complete, at every cut', async () => {
    const hello = await realClientHello('a.example.com');
    for (const cut of [1, 3, 5, 9, 40, hello.length - 1]) expect(parseClientHello(hello.subarray(0, cut))).toEqual({ kind: 'incomplete' });
  });

  it('reassembles a ClientHello split over two records', async () => {
    const hello = await realClientHello('split.example.com');
    const body = hello.subarray(5);
    const half = Math.floor(body.length / 2);
    const record = (part: Buffer): Buffer => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff]), part]);
    expect(parseClientHello(Buffer.concat([record(body.subarray(0, half)), record(body.subarray(half))]))).toEqual({
      kind: 'tls',
      serverName: 'split.example.com',
    });
  });

  it('rejects what is not TLS, and garbage inside a TLS record', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\n'))).toEqual({ kind: 'not-tls' });
    expect(parseClientHello(Buffer.from('SSH-2.0-OpenSSH\r\n'))).toEqual({ kind: 'not-tls' });
    const garbage = Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x08, 0x01, 0x00, 0x00, 0x04]), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(parseClientHello(garbage)).toEqual({ kind: 'not-tls' });
  });

  it('treats a server name that is not a host name as none', async () => {
    const hello = await realClientHello('ok.example');
    // Same length, but a byte no host name may hold.
    const bad = Buffer.from(hello);
    bad.write('o/.example', bad.indexOf('ok.example'), 'latin1');
    expect(parseClientHello(bad)).toEqual({ kind: 'tls' });
  });
});
