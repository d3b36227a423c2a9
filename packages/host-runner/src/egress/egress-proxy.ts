import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { DnsPins } from './dns-pins.js';
import { decideEgress, nameDecides, type EgressVerdict } from './egress-decision.js';
import type { EgressFloor } from './egress-floor.js';
import type { EgressPolicy, EgressPolicySource, SandboxEgress } from './egress-policy.js';
import { readFirstBytes, type FirstBytes } from './first-bytes.js';
import { originalDestination, type OriginalDestination } from './original-destination.js';
import { connectUpstream } from './socks-upstream.js';

export class EgressProxyPortInUseError extends Error {
  override readonly name = 'EgressProxyPortInUseError';
  constructor(readonly address: string, readonly port: number) {
    super(
      `The egress proxy cannot listen on ${address}:${port}: another process holds that address and port (another runner, or one left ` +
        `running after its network was removed: ss -ltnp 'sport = :${port}'). Stop it, or give this runner another CODEBOX_EGRESS_PROXY_PORT.`,
    );
  }
}

export interface EgressProxyLimits {
  /** Open connections per sandbox address, and in all; past either, new ones are reset. */
  connectionsPerSandbox: number;
  connections: number;
  /** A connection with no traffic either way for this long is closed. */
  idleMs: number;
  /** How long the proxy waits for a ClientHello or request head when the verdict depends on the name. */
  nameWaitMs: number;
  /** How long it waits when the name only refines an already-allowed flow (SOCKS5 by name, header rules). */
  optionalNameWaitMs: number;
  /** Connecting to the destination (or the SOCKS5 proxy, and through it). */
  connectTimeoutMs: number;
}

export const DEFAULT_EGRESS_PROXY_LIMITS: EgressProxyLimits = {
  connectionsPerSandbox: 256,
  connections: 4096,
  idleMs: 600_000,
  nameWaitMs: 5_000,
  optionalNameWaitMs: 150,
  connectTimeoutMs: 10_000,
};

/** One allowed connection, as an interceptor (TLS interception for header rules) sees it. */
export interface EgressFlow {
  readonly sandbox: SandboxEgress;
  /** The sandbox's address on the bridge. */
  readonly source: string;
  readonly destination: OriginalDestination;
  readonly protocol: FirstBytes['protocol'];
  /** TLS SNI or HTTP Host the client sent, lower-case. */
  readonly name?: string;
  /**
   * Whether the runner's DNS forwarder told this sandbox that `name` resolves to the destination.
   * Anything that acts on the name (injecting a secret for it) must insist on this: otherwise a
   * sandbox could claim an API's name toward an address of its own choosing.
   */
  readonly namePinned: boolean;
  /** The client's bytes already read (the ClientHello, the request head): not yet sent anywhere. */
  readonly firstBytes: Buffer;
  readonly verdict: Extract<EgressVerdict, { allow: true }>;
}

/**
 * Where TLS interception plugs in: after the verdict allowed a flow, `claims` is asked whether it
 * takes the flow over; if so `handle` owns the client socket from then on (paused, with
 * `flow.firstBytes` already read off it) and opens the outbound leg with `openUpstream`, which
 * goes where the policy allows (the original destination, or through the sandbox's SOCKS5 proxy).
 * Errors thrown by either are contained: the flow is reset.
 */
export interface EgressInterceptor {
  claims(flow: EgressFlow): boolean;
  handle(flow: EgressFlow, client: Socket, openUpstream: () => Promise<Socket>): void;
}

export interface EgressProxyOptions {
  listen: { address: string; port: number };
  source: EgressPolicySource;
  pins: Pick<DnsPins, 'isPinned'>;
  floor: EgressFloor;
  logger: Logger;
  limits?: Partial<EgressProxyLimits>;
  interceptor?: EgressInterceptor;
  /** Where an accepted connection was heading. Default: SO_ORIGINAL_DST; unit tests, which have no redirect, pass their own. */
  destinationOf?: (socket: Socket) => OriginalDestination;
}

/** How much the name matters before the verdict: decides it, refines it, or not at all. */
function nameNeed(floor: EgressFloor, policy: EgressPolicy, destination: OriginalDestination): 'required' | 'rules' | 'optional' | 'none' {
  if (nameDecides(floor, policy, destination)) return 'required';
  const byName = policy.allowOut.some((d) => d.kind === 'domain');
  // A transform rule needs the name to apply, but HTTP and TLS clients speak first at once, so
  // waiting longer on their ports costs nothing and keeps a loaded sandbox's request from being
  // relayed without its header.
  if (Object.keys(policy.rules).length > 0 && (destination.port === 80 || destination.port === 443)) return 'rules';
  if ((policy.egressProxy !== undefined && byName) || Object.keys(policy.rules).length > 0) return 'optional';
  return 'none';
}

const FORBIDDEN_BODY = "Blocked by the sandbox's egress policy.\n";
const FORBIDDEN = `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(FORBIDDEN_BODY)}\r\nConnection: close\r\n\r\n${FORBIDDEN_BODY}`;
/** After a 403, how long the client has to close its side before the proxy does. */
const FORBIDDEN_LINGER_MS = 5_000;

/**
 * The transparent egress proxy: sandboxes whose policy needs host names or an upstream SOCKS5
 * proxy have their TCP redirected here (egress-redirect.ts). Per connection it learns the
 * original destination (SO_ORIGINAL_DST) and the sandbox (source address), reads the host name
 * from the first client bytes when the verdict needs it, decides (egress-decision.ts), and then
 * either resets the connection or relays it both ways with backpressure and half-close. No
 * socket error reaches the runner: every socket has an error handler, every step is caught.
 */
export class EgressProxy {
  private readonly limits: EgressProxyLimits;
  private server: Server | undefined;
  private readonly open = new Map<string, number>();
  private total = 0;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: EgressProxyOptions) {
    this.limits = { ...DEFAULT_EGRESS_PROXY_LIMITS, ...options.limits };
  }

  get port(): number {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.options.listen.port;
  }

  async start(): Promise<void> {
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    server.on('error', (err) => this.options.logger.warn({ err }, 'egress proxy: server error'));
    const { address, port } = this.options.listen;
    await new Promise<void>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => reject(err.code === 'EADDRINUSE' ? new EgressProxyPortInUseError(address, port) : err);
      server.once('error', failed);
      server.listen(port, address, () => {
        server.off('error', failed);
        resolve();
      });
    });
    this.server = server;
    this.options.logger.info({ address: this.options.listen.address, port: this.port }, 'egress proxy listening');
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Open connections per sandbox address (for tests and metrics). */
  connections(address: string): number {
    return this.open.get(address) ?? 0;
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    this.track(client);
    const source = client.remoteAddress ?? '';
    const used = this.open.get(source) ?? 0;
    if (used >= this.limits.connectionsPerSandbox || this.total >= this.limits.connections) {
      client.resetAndDestroy();
      return;
    }
    this.open.set(source, used + 1);
    this.total++;
    client.once('close', () => {
      this.total--;
      const left = (this.open.get(source) ?? 1) - 1;
      if (left > 0) this.open.set(source, left);
      else this.open.delete(source);
    });
    this.serve(client, source).catch((err: unknown) => {
      this.options.logger.warn({ err, source }, 'egress proxy: connection failed');
      client.resetAndDestroy();
    });
  }

  private async serve(client: Socket, source: string): Promise<void> {
    const { floor, pins, logger } = this.options;
    const destination = (this.options.destinationOf ?? originalDestination)(client);
    const sandbox = this.options.source.lookup(source);
    if (!sandbox) {
      // Not a sandbox this runner knows (a stale redirect, a sandbox being destroyed): nothing passes.
      client.resetAndDestroy();
      return;
    }
    const policy = sandbox.policy;
    const need = nameNeed(floor, policy, destination);
    const first: FirstBytes =
      need === 'none'
        ? { bytes: Buffer.alloc(0), protocol: 'silent' }
        : await readFirstBytes(client, need === 'optional' ? this.limits.optionalNameWaitMs : this.limits.nameWaitMs);
    if (client.destroyed) return;
    const pinned = (name: string, address: string): boolean => pins.isPinned(source, name, address);
    const verdict = decideEgress(floor, { policy, destination, pinned, ...(first.name !== undefined ? { name: first.name } : {}) });
    logger.debug({ sandboxId: sandbox.sandboxId, destination, name: first.name, verdict }, 'egress proxy: verdict');
    if (!verdict.allow) {
      if (first.protocol === 'http') {
        client.setTimeout(FORBIDDEN_LINGER_MS, () => client.destroy());
        client.end(FORBIDDEN);
      } else client.resetAndDestroy();
      return;
    }
    const target = {
      address: destination.address,
      port: destination.port,
      ...(verdict.by === 'allow-domain' && first.name !== undefined ? { name: first.name } : {}),
    };
    const openUpstream = async (): Promise<Socket> => {
      const upstream = await connectUpstream(target, policy.egressProxy, floor, this.limits.connectTimeoutMs);
      upstream.on('error', () => undefined);
      this.track(upstream);
      return upstream;
    };
    const interceptor = this.options.interceptor;
    if (interceptor) {
      const flow: EgressFlow = {
        sandbox,
        source,
        destination,
        protocol: first.protocol,
        ...(first.name !== undefined ? { name: first.name } : {}),
        namePinned: first.name !== undefined && pinned(first.name, destination.address),
        firstBytes: first.bytes,
        verdict,
      };
      if (interceptor.claims(flow)) {
        interceptor.handle(flow, client, openUpstream);
        return;
      }
    }
    const upstream = await openUpstream();
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    relay(client, upstream, first.bytes, this.limits.idleMs);
  }
}

/**
 * Both directions with backpressure (pipe), a FIN passed on as a FIN (half-close), an error or an
 * idle timeout on either side closing both.
 */
function relay(client: Socket, upstream: Socket, firstBytes: Buffer, idleMs: number): void {
  const closeBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  for (const socket of [client, upstream]) {
    socket.once('error', closeBoth);
    socket.setTimeout(idleMs, closeBoth);
    socket.setNoDelay(true);
  }
  // Once both directions have ended, nothing is left to relay.
  let ended = 0;
  const onFinish = (): void => {
    if (++ended === 2) closeBoth();
  };
  client.once('finish', onFinish);
  upstream.once('finish', onFinish);
  client.once('close', () => {
    if (!upstream.writableFinished) upstream.destroy();
  });
  upstream.once('close', () => {
    if (!client.writableFinished) client.destroy();
  });
  if (firstBytes.length > 0) upstream.write(firstBytes);
  if (client.readableEnded) upstream.end();
  else client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
}
