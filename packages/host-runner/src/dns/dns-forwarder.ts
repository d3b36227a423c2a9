import { randomInt } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { Logger } from 'pino';

export interface DnsEndpoint {
  address: string;
  port: number;
}

/** The one question of a sandbox's query, as the policy sees it. */
export interface DnsQuestion {
  /** Sandbox address the query came from. */
  client: string;
  name: string;
  type: string;
  class: string;
}

/**
 * The seam for host-name egress rules: a policy decides which names a sandbox may resolve and
 * sees every answer relayed to it (to pin the addresses a name resolved to). The default admits
 * everything and watches nothing.
 */
export interface DnsPolicy {
  /** false: answered REFUSED without asking upstream. */
  admit(question: DnsQuestion): boolean;
  observe?(question: DnsQuestion, answer: dnsPacket.DecodedPacket): void;
}

export interface DnsForwarderLimits {
  /** Token bucket per sandbox address: sustained queries per second, and the burst above it. */
  queriesPerSecond: number;
  burst: number;
  /** Queries waiting on upstream, per sandbox and in all. Past either, new queries are dropped. */
  inFlightPerClient: number;
  inFlight: number;
  /** Largest query accepted; real queries (one name, EDNS) are a few hundred bytes. */
  maxQueryBytes: number;
  tcpConnectionsPerClient: number;
  tcpConnections: number;
  tcpIdleMs: number;
  upstreamTimeoutMs: number;
}

export const DEFAULT_DNS_LIMITS: DnsForwarderLimits = {
  queriesPerSecond: 50,
  burst: 100,
  inFlightPerClient: 32,
  inFlight: 512,
  maxQueryBytes: 1024,
  tcpConnectionsPerClient: 8,
  tcpConnections: 128,
  tcpIdleMs: 10_000,
  upstreamTimeoutMs: 2_000,
};

export interface DnsForwarderOptions {
  listen: DnsEndpoint;
  /** Tried in order; the next one on timeout or failure. Empty: every query gets SERVFAIL. */
  upstreams: readonly DnsEndpoint[];
  logger: Logger;
  policy?: DnsPolicy;
  limits?: Partial<DnsForwarderLimits>;
}

const HEADER_BYTES = 12;
const MAX_TCP_MESSAGE = 65_535;
const MAX_NAME_LENGTH = 253;
const RCODE = { FORMERR: 1, SERVFAIL: 2, REFUSED: 5 } as const;

class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
}

interface Bucket {
  tokens: number;
  at: number;
  inFlight: number;
  tcp: number;
}

/**
 * The only resolver sandboxes can reach: a forwarder on the sandbox bridge's gateway address
 * (UDP and TCP port 53) that relays well-formed single-question queries to the host's
 * resolvers. Every packet is parsed before anything is forwarded, queries are rate- and
 * size-bounded per sandbox, and no input can throw out of a handler: a bad packet is dropped or
 * answered FORMERR, never a runner crash.
 */
export class DnsForwarder {
  private readonly limits: DnsForwarderLimits;
  private readonly buckets = new Map<string, Bucket>();
  private inFlight = 0;
  private tcpConnections = 0;
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private pruneTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: DnsForwarderOptions) {
    this.limits = { ...DEFAULT_DNS_LIMITS, ...options.limits };
  }

  async start(): Promise<void> {
    const { address, port } = this.options.listen;
    const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
    udp.on('message', (message, remote) => {
      void this.answer(message, remote.address, 'udp')
        .then((reply) => {
          if (reply) udp.send(reply, remote.port, remote.address, () => undefined);
        })
        .catch((err: unknown) => this.options.logger.warn({ err }, 'dns: udp query failed'));
    });
    udp.on('error', (err) => this.options.logger.warn({ err }, 'dns: udp socket error'));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, address, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.udp = udp;
    const tcp = createServer((socket) => this.serveTcp(socket));
    tcp.on('error', (err) => this.options.logger.warn({ err }, 'dns: tcp server error'));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, address, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    this.tcp = tcp;
    this.pruneTimer = setInterval(() => this.prune(), 60_000);
    this.pruneTimer.unref();
    this.options.logger.info({ listen: this.options.listen, upstreams: this.options.upstreams }, 'dns forwarder listening');
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => (this.udp ? this.udp.close(() => resolve()) : resolve())),
      new Promise<void>((resolve) => (this.tcp ? this.tcp.close(() => resolve()) : resolve())),
    ]);
    this.udp = undefined;
    this.tcp = undefined;
  }

  /** The reply to one query message, or undefined to drop it. Never throws. */
  async answer(message: Buffer, client: string, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    if (message.length < HEADER_BYTES || message.length > this.limits.maxQueryBytes) return undefined;
    const bucket = this.bucket(client);
    if (!this.take(bucket)) return undefined;
    let query: dnsPacket.DecodedPacket & { opcode?: string };
    let length: number;
    try {
      query = dnsPacket.decode(message);
      length = (dnsPacket.decode as unknown as { bytes: number }).bytes;
    } catch {
      // Not DNS at all: no id worth answering to.
      return undefined;
    }
    if (query.type !== 'query') return undefined;
    const question = query.questions?.length === 1 ? query.questions[0] : undefined;
    if (query.opcode !== 'QUERY' || !question || question.name.length > MAX_NAME_LENGTH || (query.answers?.length ?? 0) > 0) {
      return errorReply(query, RCODE.FORMERR);
    }
    const asked: DnsQuestion = { client, name: question.name, type: question.type, class: question.class ?? 'IN' };
    try {
      if (this.options.policy && !this.options.policy.admit(asked)) return errorReply(query, RCODE.REFUSED);
    } catch (err) {
      this.options.logger.warn({ err }, 'dns: policy failed');
      return errorReply(query, RCODE.SERVFAIL);
    }
    if (bucket.inFlight >= this.limits.inFlightPerClient || this.inFlight >= this.limits.inFlight) return undefined;
    bucket.inFlight++;
    this.inFlight++;
    try {
      const reply = await this.forward(message.subarray(0, length), asked, transport);
      if (!reply) return errorReply(query, RCODE.SERVFAIL);
      reply.packet.id = query.id;
      reply.raw.writeUInt16BE(query.id ?? 0, 0);
      try {
        this.options.policy?.observe?.(asked, reply.packet);
      } catch (err) {
        this.options.logger.warn({ err }, 'dns: policy observer failed');
      }
      return reply.raw;
    } finally {
      bucket.inFlight--;
      this.inFlight--;
    }
  }

  private async forward(
    query: Buffer,
    asked: DnsQuestion,
    transport: 'udp' | 'tcp',
  ): Promise<{ raw: Buffer; packet: dnsPacket.DecodedPacket } | undefined> {
    for (const upstream of this.options.upstreams) {
      // A fresh id (and, over UDP, a fresh socket and port) per upstream query: answers cannot be
      // matched by a guessed id, and a sandbox's id choice never reaches the upstream.
      const id = randomInt(0, 65_536);
      const outgoing = Buffer.from(query);
      outgoing.writeUInt16BE(id, 0);
      try {
        // UDP first whatever the sandbox used; TCP only when the answer does not fit. A truncated
        // answer to a UDP client is relayed as is: it retries over TCP, as DNS intends.
        let raw = await this.askUdp(outgoing, upstream, id);
        let packet = dnsPacket.decode(raw);
        if (transport === 'tcp' && packet.flag_tc) {
          raw = await this.askTcp(outgoing, upstream);
          packet = dnsPacket.decode(raw);
        }
        if (matches(packet, id, asked)) return { raw, packet };
      } catch (err) {
        this.options.logger.debug({ err, upstream }, 'dns: upstream failed');
      }
    }
    return undefined;
  }

  private askUdp(query: Buffer, upstream: DnsEndpoint, id: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIPv6(upstream.address) ? 'udp6' : 'udp4');
      const done = (err: Error | undefined, reply?: Buffer): void => {
        clearTimeout(timer);
        socket.close();
        if (reply) resolve(reply);
        else reject(err ?? new UpstreamError('no reply'));
      };
      const timer = setTimeout(() => done(new UpstreamError('timeout')), this.limits.upstreamTimeoutMs);
      socket.on('error', (err) => done(err));
      socket.on('message', (reply, remote) => {
        // Only the upstream's own answer to this id counts; anything else is ignored, not fatal.
        if (remote.address !== upstream.address || remote.port !== upstream.port) return;
        if (reply.length < HEADER_BYTES || reply.readUInt16BE(0) !== id) return;
        done(undefined, reply);
      });
      socket.connect(upstream.port, upstream.address, () => socket.send(query));
    });
  }

  private askTcp(query: Buffer, upstream: DnsEndpoint): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: upstream.address, port: upstream.port });
      let received = Buffer.alloc(0);
      const done = (err: Error | undefined, reply?: Buffer): void => {
        clearTimeout(timer);
        socket.destroy();
        if (reply) resolve(reply);
        else reject(err ?? new UpstreamError('closed'));
      };
      const timer = setTimeout(() => done(new UpstreamError('timeout')), this.limits.upstreamTimeoutMs);
      socket.on('error', (err) => done(err));
      socket.on('close', () => done(undefined));
      socket.on('connect', () => {
        const length = Buffer.alloc(2);
        length.writeUInt16BE(query.length, 0);
        socket.write(Buffer.concat([length, query]));
      });
      socket.on('data', (chunk: Buffer) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2) return;
        const size = received.readUInt16BE(0);
        if (received.length >= 2 + size) done(undefined, received.subarray(2, 2 + size));
      });
    });
  }

  /** DNS over TCP: 2-byte length-prefixed messages, answered one at a time in order. */
  private serveTcp(socket: Socket): void {
    const client = socket.remoteAddress ?? '';
    const bucket = this.bucket(client);
    socket.on('error', () => undefined);
    if (bucket.tcp >= this.limits.tcpConnectionsPerClient || this.tcpConnections >= this.limits.tcpConnections) {
      socket.destroy();
      return;
    }
    bucket.tcp++;
    this.tcpConnections++;
    this.sockets.add(socket);
    socket.once('close', () => {
      bucket.tcp--;
      this.tcpConnections--;
      this.sockets.delete(socket);
    });
    socket.setTimeout(this.limits.tcpIdleMs, () => socket.destroy());
    let buffered = Buffer.alloc(0);
    let busy = false;
    const next = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      try {
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0) && !socket.destroyed) {
          const size = buffered.readUInt16BE(0);
          const message = buffered.subarray(2, 2 + size);
          buffered = buffered.subarray(2 + size);
          const reply = await this.answer(message, client, 'tcp');
          if (!reply) {
            // Dropped (malformed, over a limit): a stream cannot skip an answer, so it ends.
            socket.destroy();
            return;
          }
          const length = Buffer.alloc(2);
          length.writeUInt16BE(reply.length, 0);
          socket.write(Buffer.concat([length, reply]));
        }
      } finally {
        busy = false;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // One message at most is ever buffered beyond the one being answered.
      if (buffered.length > 2 * (2 + MAX_TCP_MESSAGE)) {
        socket.destroy();
        return;
      }
      void next().catch(() => socket.destroy());
    });
  }

  private bucket(client: string): Bucket {
    let bucket = this.buckets.get(client);
    if (!bucket) {
      bucket = { tokens: this.limits.burst, at: Date.now(), inFlight: 0, tcp: 0 };
      this.buckets.set(client, bucket);
    }
    return bucket;
  }

  private take(bucket: Bucket): boolean {
    const now = Date.now();
    bucket.tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.queriesPerSecond);
    bucket.at = now;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets sandboxes that have been quiet for a minute, so the map stays as small as the fleet. */
  private prune(): void {
    const cutoff = Date.now() - 60_000;
    for (const [client, bucket] of this.buckets) {
      if (bucket.at < cutoff && bucket.inFlight === 0 && bucket.tcp === 0) this.buckets.delete(client);
    }
  }
}

function matches(packet: dnsPacket.DecodedPacket, id: number, asked: DnsQuestion): boolean {
  const question = packet.questions?.[0];
  return (
    packet.type === 'response' &&
    packet.id === id &&
    packet.questions?.length === 1 &&
    question !== undefined &&
    question.name.toLowerCase() === asked.name.toLowerCase() &&
    question.type === asked.type
  );
}

function errorReply(query: dnsPacket.DecodedPacket, rcode: number): Buffer | undefined {
  try {
    return dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: (query.questions ?? []).slice(0, 1),
    });
  } catch {
    return undefined;
  }
}

/** `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` → endpoint (port 53 by default). */
export function parseDnsEndpoint(text: string): DnsEndpoint | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([0-9.]+)(?::(\d+))?$/.exec(text);
  const [address, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [text, undefined];
  if (address === undefined || !(isIPv6(address) || /^\d{1,3}(\.\d{1,3}){3}$/.test(address))) return undefined;
  const portNumber = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65_535) return undefined;
  return { address, port: portNumber };
}

/** Nameservers of a resolv.conf. Loopback ones count: the forwarder runs in the host's namespace. */
export function resolvConfNameservers(resolvConf: string): DnsEndpoint[] {
  const servers: DnsEndpoint[] = [];
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    // A scope id (fe80::1%eth0) cannot be parsed here; such resolvers are skipped.
    const endpoint = m?.[1] ? parseDnsEndpoint(m[1]) : undefined;
    if (endpoint) servers.push({ address: endpoint.address, port: 53 });
  }
  return servers;
}
