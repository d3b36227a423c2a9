import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DnsForwarder, parseDnsEndpoint, resolvConfNameservers } from './dns-forwarder.js';

const logger = pino({ level: 'silent' });

/** A real resolver on loopback that knows one name, so the forwarder is tested over real sockets. */
async function startUpstream(): Promise<{ socket: Socket; port: number; seen: string[] }> {
  const socket = createSocket('udp4');
  const seen: string[] = [];
  socket.on('message', (message, remote) => {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    seen.push(question.name);
    socket.send(
      dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: dnsPacket.RECURSION_AVAILABLE,
        questions: [question],
        answers: [{ type: 'A', name: question.name, ttl: 5, data: '203.0.113.9' }],
      }),
      remote.port,
      remote.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return { socket, port: socket.address().port, seen };
}

function query(name: string, id = 7): Buffer {
  return dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
}

describe('DnsForwarder', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let forwarder: DnsForwarder;
  let port: number;

  beforeEach(async () => {
    upstream = await startUpstream();
    const probe = createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', () => resolve()));
    port = probe.address().port;
    probe.close();
    forwarder = new DnsForwarder({
      listen: { address: '127.0.0.1', port },
      upstreams: [{ address: '127.0.0.1', port: upstream.port }],
      logger,
      limits: { queriesPerSecond: 5, burst: 10, upstreamTimeoutMs: 500 },
    });
    await forwarder.start();
  });

  afterEach(async () => {
    await forwarder.stop();
    upstream.socket.close();
  });

  it('relays a query and answers with the caller’s id', async () => {
    const reply = await forwarder.answer(query('a.example', 4242), '10.0.0.2', 'udp');
    const packet = dnsPacket.decode(reply ?? Buffer.alloc(0));
    expect(packet.id).toBe(4242);
    expect(packet.answers?.[0]).toMatchObject({ type: 'A', data: '203.0.113.9' });
    expect(upstream.seen).toEqual(['a.example']);
  });

  it('drops garbage and answers FORMERR to malformed queries, never throwing', async () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from('hello'),
      Buffer.alloc(11, 0xff),
      Buffer.alloc(12, 0xff),
      Buffer.alloc(5000, 1),
      Buffer.from('0001010000ff000000000000', 'hex'), // claims 255 questions, has none
      Buffer.concat([query('x.example').subarray(0, 12), Buffer.from([63, 0x41])]), // label runs off the end
      Buffer.concat([query('x.example').subarray(0, 12), Buffer.from([0xc0, 0x0c])]), // compression loop
    ];
    for (const input of inputs) await expect(forwarder.answer(input, '10.0.0.3', 'udp')).resolves.toBeUndefined();
    const twoQuestions = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: 'a.b' }, { type: 'A', name: 'c.d' }] });
    const formerr = await forwarder.answer(twoQuestions, '10.0.0.3', 'udp');
    expect((formerr?.readUInt16BE(2) ?? 0) & 0xf).toBe(1);
    const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: 'a.b' }] });
    await expect(forwarder.answer(response, '10.0.0.3', 'udp')).resolves.toBeUndefined();
    expect(upstream.seen).toEqual([]);
  });

  it('bounds each sandbox’s rate without starving another', async () => {
    const answered = await Promise.all(Array.from({ length: 30 }, (_, i) => forwarder.answer(query(`n${i}.example`), '10.0.0.4', 'udp')));
    expect(answered.filter(Boolean).length).toBeLessThanOrEqual(11);
    expect(await forwarder.answer(query('other.example'), '10.0.0.5', 'udp')).toBeDefined();
  });

  it('answers SERVFAIL when the upstream does not', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    const lonely = new DnsForwarder({ listen: { address: '127.0.0.1', port: 0 }, upstreams: [{ address: '127.0.0.1', port: silent.address().port }], logger, limits: { upstreamTimeoutMs: 200 } });
    const reply = await lonely.answer(query('slow.example'), '10.0.0.6', 'udp');
    silent.close();
    expect((reply?.readUInt16BE(2) ?? 0) & 0xf).toBe(2);
  });

  it('serves the same over UDP and TCP sockets, and survives garbage on both', async () => {
    const udp = createSocket('udp4');
    udp.send(Buffer.from('not dns at all'), port, '127.0.0.1');
    const udpReply = await new Promise<Buffer>((resolve) => {
      udp.once('message', resolve);
      udp.send(query('u.example'), port, '127.0.0.1');
    });
    udp.close();
    expect(dnsPacket.decode(udpReply).answers?.[0]).toMatchObject({ data: '203.0.113.9' });

    const garbage = connect(port, '127.0.0.1');
    garbage.on('error', () => undefined);
    await new Promise<void>((resolve) => garbage.once('close', () => resolve()).end(Buffer.from([0, 3, 1, 2, 3])));

    const tcp = connect(port, '127.0.0.1');
    const framed = query('t.example');
    const length = Buffer.alloc(2);
    length.writeUInt16BE(framed.length);
    const tcpReply = await new Promise<Buffer>((resolve) => {
      let got = Buffer.alloc(0);
      tcp.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) resolve(got.subarray(2));
      });
      tcp.write(Buffer.concat([length, framed]));
    });
    tcp.destroy();
    expect(dnsPacket.decode(tcpReply).answers?.[0]).toMatchObject({ data: '203.0.113.9' });
  });
});

describe('upstream configuration', () => {
  it('parses addresses with and without ports', () => {
    expect(parseDnsEndpoint('10.0.0.1')).toEqual({ address: '10.0.0.1', port: 53 });
    expect(parseDnsEndpoint('127.0.0.1:5353')).toEqual({ address: '127.0.0.1', port: 5353 });
    expect(parseDnsEndpoint('[::1]:5353')).toEqual({ address: '::1', port: 5353 });
    expect(parseDnsEndpoint('::1')).toEqual({ address: '::1', port: 53 });
    for (const bad of ['', 'dns.example', '1.2.3.4:0', '1.2.3.4:99999', '[::1]:x']) expect(parseDnsEndpoint(bad)).toBeUndefined();
  });

  it('takes every resolv.conf nameserver, loopback ones included (the forwarder runs on the host)', () => {
    const conf = '# c\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nnameserver ::1\n  nameserver 192.0.2.1 \nsearch x\n';
    expect(resolvConfNameservers(conf).map((e) => e.address)).toEqual(['10.255.255.53', '127.0.0.53', '::1', '192.0.2.1']);
  });
});
