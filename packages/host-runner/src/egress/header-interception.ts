import { readFile } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, createSecureContext, getCACertificates, TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { HeaderTransform } from './egress-policy.js';
import { applyHeaderTransforms, UnresolvedPlaceholderError } from './header-transform.js';
import { PrefixedSocket } from './prefixed-socket.js';
import type { SandboxCa } from './sandbox-ca.js';

/** One sandbox connection the egress proxy hands over because its name matched a `rules` pattern. */
export interface InterceptedConnection {
  /** The sandbox's TCP connection, as the proxy accepted it. */
  readonly client: Socket;
  /** What the proxy already read from `client` to learn the name (ClientHello or request head); replayed first. */
  readonly firstBytes: Buffer;
  /** The name the sandbox asked for (TLS SNI, else HTTP Host without port), lower-case. */
  readonly name: string;
  /** The original destination port (443, 80, …): reported in errors only; the upstream is `connectUpstream`'s. */
  readonly port: number;
  /** The matching rules' transforms, in rule order (a later header of the same name wins). */
  readonly transforms: readonly HeaderTransform[];
  /** The current value of the sandbox owner's secret `name`, per request (rotation applies to the next request). */
  readonly resolveSecret: (name: string) => string | undefined;
  /** Raw TCP to the destination the proxy pinned (possibly through the SOCKS5 hop); one call per upstream connection. */
  readonly connectUpstream: () => Promise<Socket>;
  readonly sandboxCa: SandboxCa;
  /** Carries the sandbox id; values are never logged. */
  readonly logger: Logger;
}

export interface HeaderInterceptorOptions {
  /** PEM certificates upstream servers' chains must end in (`loadUpstreamTrust`). */
  readonly upstreamCa: readonly string[];
}

/** Headers that describe one hop's connection, not the request: the proxy's two hops each have their own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'upgrade']);
const TLS_HANDSHAKE = 0x16;

/** `network.egressTrustedCaFile` cannot be read or holds no certificate: the runner does not start. */
export class EgressTrustedCaError extends Error {
  override readonly name = 'EgressTrustedCaError';
}

/** System roots (Node's bundled and the host's) plus the operator's extra CA file (`network.egressTrustedCaFile`). */
export async function loadUpstreamTrust(extraCaFile?: string): Promise<string[]> {
  const roots = new Set([...getCACertificates('default'), ...getCACertificates('system')]);
  if (extraCaFile) {
    const pem = await readFile(extraCaFile, 'utf8').catch((error: Error) => {
      throw new EgressTrustedCaError(`Cannot read network.egressTrustedCaFile (CODEBOX_EGRESS_TRUSTED_CA_FILE) ${extraCaFile}: ${error.message}.`);
    });
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new EgressTrustedCaError(`network.egressTrustedCaFile ${extraCaFile} holds no PEM certificate.`);
    for (const block of blocks) roots.add(block);
  }
  return [...roots];
}

/** `keepUpgrade`: an Upgrade request keeps `Connection`/`Upgrade`, which are what it asks the next hop. */
function withoutHopByHop(rawHeaders: readonly string[], { keepUpgrade = false, drop = [] as readonly string[] } = {}): string[] {
  const named = new Set<string>(drop);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'connection') for (const token of (rawHeaders[i + 1] ?? '').split(',')) named.add(token.trim().toLowerCase());
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const keep = keepUpgrade && (name === 'connection' || name === 'upgrade') ? true : !HOP_BY_HOP.has(name) && !named.has(name);
    if (keep) out.push(rawHeaders[i] as string, rawHeaders[i + 1] as string);
  }
  return out;
}

function formatHead(startLine: string, rawHeaders: readonly string[]): string {
  let head = `${startLine}\r\n`;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) head += `${rawHeaders[i]}: ${rawHeaders[i + 1]}\r\n`;
  return `${head}\r\n`;
}

interface ConnectionState {
  readonly connection: InterceptedConnection;
  readonly tls: boolean;
  /** Keep-alive upstream connections of this one sandbox connection; destroyed with it. */
  readonly agent: Agent;
}

/**
 * Terminates a sandbox's TLS with a leaf of the sandbox's own CA (ALPN http/1.1 only), parses
 * its HTTP/1.1 requests with Node's own HTTP server, applies the header transforms per request
 * and forwards each to the upstream over TLS that verifies the upstream's certificate (plain HTTP
 * stays plain). Bodies stream both ways with backpressure; connections are kept alive; an
 * Upgrade (WebSocket) is passed through as bytes once its headers are forwarded. Responses come
 * back untouched; the interceptor's own answers (502) name what failed, never a secret value.
 */
export class HeaderInterceptor {
  /** Built once: parsing a few hundred roots per upstream connection would cost more than the handshake. */
  readonly #upstreamContext: SecureContext;
  readonly #server: Server;
  readonly #states = new WeakMap<Duplex, ConnectionState>();
  readonly #open = new Set<Duplex>();

  constructor(options: HeaderInterceptorOptions) {
    this.#upstreamContext = createSecureContext({ ca: [...options.upstreamCa], minVersion: 'TLSv1.2' });
    // Never listens: connections arrive from the egress proxy through `intercept`.
    this.#server = createServer({ keepAliveTimeout: 60_000, headersTimeout: 60_000, requestTimeout: 0 });
    this.#server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#onRequest(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket, head));
  }

  /** Takes over `connection.client`; it is closed when the sandbox or the upstream ends it, or on `close()`. */
  intercept(connection: InterceptedConnection): void {
    const { client, firstBytes, logger } = connection;
    client.pause();
    // Requests and responses are written in pieces (head, body); Nagle plus delayed ACKs would add ~40 ms to each.
    client.setNoDelay(true);
    const tls = firstBytes[0] === TLS_HANDSHAKE;
    const stream = new PrefixedSocket(client, firstBytes);
    stream.on('error', (error) => logger.debug({ err: error }, 'intercepted connection failed'));
    if (!tls) {
      this.#serve(stream, connection, false);
      return;
    }
    connection.sandboxCa.contextFor(connection.name).then(
      (secureContext) => {
        const secure = new TLSSocket(stream, { isServer: true, secureContext, ALPNProtocols: ['http/1.1'] });
        secure.on('error', (error) => {
          logger.debug({ err: error, name: connection.name }, 'intercepted TLS connection failed');
          secure.destroy();
        });
        this.#serve(secure, connection, true);
      },
      (error: unknown) => {
        logger.error({ err: error, name: connection.name }, 'could not mint a leaf certificate for an intercepted name');
        stream.destroy();
      },
    );
  }

  /** Ends every intercepted connection (runner shutdown). */
  close(): void {
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
  }

  #serve(socket: Duplex, connection: InterceptedConnection, tls: boolean): void {
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    // The agent's sockets come from the egress proxy's pinned destination, never from a DNS lookup here.
    (agent as unknown as { createConnection: RequestOptions['createConnection'] }).createConnection = (_options, callback) => {
      this.#connectUpstream(connection, tls).then(
        (upstream) => callback?.(null, upstream),
        (error: Error) => callback?.(error, undefined as unknown as Socket),
      );
      return undefined as unknown as Socket;
    };
    this.#states.set(socket, { connection, tls, agent });
    this.#open.add(socket);
    socket.on('close', () => {
      this.#open.delete(socket);
      agent.destroy();
    });
    this.#server.emit('connection', socket);
  }

  async #connectUpstream(connection: InterceptedConnection, tls: boolean): Promise<Socket> {
    const raw = await connection.connectUpstream();
    raw.setNoDelay(true);
    if (!tls) return raw;
    return tlsConnect({
      socket: raw,
      ...(isIP(connection.name) ? {} : { servername: connection.name }),
      host: connection.name,
      secureContext: this.#upstreamContext,
      ALPNProtocols: ['http/1.1'],
    });
  }

  /** The request's headers as they go upstream, or undefined after answering 502 for an unresolvable placeholder. */
  #upstreamHeaders(state: ConnectionState, req: IncomingMessage, answer: (status: number, message: string) => void, upgrade: boolean): string[] | undefined {
    try {
      return applyHeaderTransforms(withoutHopByHop(req.rawHeaders, { keepUpgrade: upgrade }), state.connection.transforms, state.connection.resolveSecret);
    } catch (error) {
      if (!(error instanceof UnresolvedPlaceholderError)) throw error;
      state.connection.logger.info({ name: state.connection.name, placeholder: error.placeholder, header: error.header }, 'egress header transform names an unknown secret; request refused');
      answer(502, error.message);
      return undefined;
    }
  }

  /**
   * Node refuses header names that are not tokens and values with characters outside Latin-1
   * (a secret with an emoji, a rule's header name with a space) by throwing: answered 502 naming
   * the header, never quoting its value, instead of escaping the request handler.
   */
  #request(state: ConnectionState, req: IncomingMessage, answer: (status: number, message: string) => void, options: RequestOptions): ClientRequest | undefined {
    try {
      return httpRequest(options);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ERR_INVALID_CHAR' && code !== 'ERR_INVALID_HTTP_TOKEN' && code !== 'ERR_HTTP_INVALID_HEADER_VALUE') throw error;
      const headerNames = Object.keys(state.connection.transforms.reduce<Record<string, string>>((all, transform) => ({ ...all, ...transform.headers }), {}));
      state.connection.logger.info({ name: state.connection.name, code, method: req.method }, 'egress request has a header Node cannot send; refused');
      answer(502, `a header of this request cannot be sent (${code}): check the transform headers (${headerNames.join(', ')}) and the secrets they use for characters outside Latin-1 or names that are not HTTP tokens; the request was not forwarded.`);
      return undefined;
    }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const state = this.#states.get(req.socket as Duplex);
    if (!state) {
      res.destroy();
      return;
    }
    const { connection } = state;
    const answer = (status: number, message: string): void => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-codebox-egress': 'error' });
      res.end(`Codebox egress: ${message}\n`);
    };
    const headers = this.#upstreamHeaders(state, req, answer, false);
    if (!headers) {
      req.resume();
      return;
    }
    const upstream = this.#request(state, req, answer, { agent: state.agent, method: req.method, path: req.url, headers, setHost: false });
    if (!upstream) {
      req.resume();
      return;
    }
    upstream.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, withoutHopByHop(upstreamRes.rawHeaders));
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on('error', () => res.destroy());
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      connection.logger.debug({ err: error, name: connection.name }, 'intercepted request failed upstream');
      answer(502, `could not forward the request to ${connection.name}:${connection.port} (${error.code ?? error.message}).`);
    });
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const state = this.#states.get(socket);
    if (!state) {
      socket.destroy();
      return;
    }
    const { connection } = state;
    const answer = (status: number, message: string): void => {
      const body = `Codebox egress: ${message}\n`;
      socket.end(formatHead(`HTTP/1.1 ${status} Bad Gateway`, ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(Buffer.byteLength(body)), 'Connection', 'close']) + body);
    };
    const headers = this.#upstreamHeaders(state, req, answer, true);
    if (!headers) return;
    const upstream = this.#request(state, req, answer, {
      method: req.method,
      path: req.url,
      headers,
      setHost: false,
      createConnection: (_options, callback) => {
        this.#connectUpstream(connection, state.tls).then(
          (upstreamSocket) => callback(null, upstreamSocket),
          (error: Error) => callback(error, undefined as unknown as Socket),
        );
        return undefined;
      },
    });
    if (!upstream) return;
    upstream.on('upgrade', (upstreamRes, upstreamSocket, upstreamHead) => {
      socket.write(formatHead(`HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage}`, upstreamRes.rawHeaders));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      upstreamSocket.pipe(socket).pipe(upstreamSocket);
      upstreamSocket.on('error', () => socket.destroy());
      socket.on('error', () => upstreamSocket.destroy());
      socket.on('close', () => upstreamSocket.destroy());
      upstreamSocket.on('close', () => socket.destroy());
    });
    // The upstream declined the upgrade: its answer goes back as it came, then the connection ends.
    upstream.on('response', (upstreamRes) => {
      socket.write(formatHead(`HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage}`, [...withoutHopByHop(upstreamRes.rawHeaders, { drop: ['transfer-encoding'] }), 'Connection', 'close']));
      upstreamRes.pipe(socket);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => answer(502, `could not forward the upgrade to ${connection.name}:${connection.port} (${error.code ?? error.message}).`));
    upstream.end();
  }
}
