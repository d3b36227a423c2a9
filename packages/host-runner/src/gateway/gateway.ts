import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { AGENT_MAX_CONNECTIONS, endToEndHeaders, ENVD_PORT, HEADERS, isUserPort, parsePort, TurnCork, USER_PORT_MAX_CONNECTIONS } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { isSandboxId } from '../sandboxes/sandbox-ids.js';
import { checkAccess, checkTrafficAccess } from './access-policy.js';
import { AgentPool } from './agent-pool.js';
import { PortSlots } from './port-slots.js';
import { parseRequestTarget } from './request-target.js';
import { routeByHost } from './sandbox-host.js';
import { maskedHost } from './request-host-mask.js';
import { tunnelUpgrade, writeRawJson } from './upgrade-tunnel.js';

export interface GatewayOptions {
  /** The live sandbox with this id, whoever owns it (the access token is the credential here). */
  lookup: (sandboxId: string) => SandboxRecord | undefined;
  logger: Logger;
  now?: () => number;
  /** The domain sandbox hosts are under (`<port>-<id>.<domain>`); read per request, as it is known only once the runner listens. */
  domain?: () => string;
  /** User-port exchanges in flight per sandbox; default USER_PORT_MAX_CONNECTIONS. */
  maxUserPortConnections?: number;
}

/** Our credentials: they end at the gateway, and never reach the sandbox or a user's server. */
export const CREDENTIALS: ReadonlySet<string> = new Set<string>([HEADERS.accessToken, HEADERS.apiKey, HEADERS.trafficAccessToken]);

/** Where a request goes, once every check passed; or the answer that refuses it. */
export type Resolution =
  | { readonly ok: true; readonly record: SandboxRecord; readonly port: number; readonly path: string }
  | { readonly ok: false; readonly status: number; readonly body: object };

/**
 * The data plane: forwards each request carrying `E2b-Sandbox-Id` (or a host name `<port>-<id>.<domain>`) to that sandbox's agent over
 * its unix socket, streaming both bodies (no buffering), so output reaches the caller as the
 * agent writes it and a caller hanging up reaches the agent as a closed connection.
 */
export class Gateway {
  readonly #lookup: GatewayOptions['lookup'];
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #domain: () => string;
  /**
   * envd and the interpreter, and user ports, pool apart: a flood of slow requests to a user's
   * server cannot take the connections the SDK's calls need. Together with the WebSocket tunnels
   * (at most the user-port limit) they stay within what the agent accepts.
   */
  readonly #agents = new AgentPool(AGENT_MAX_CONNECTIONS - 2 * USER_PORT_MAX_CONNECTIONS);
  readonly #portAgents = new AgentPool(USER_PORT_MAX_CONNECTIONS);
  readonly #portSlots: PortSlots;
  /** Client sockets of open Upgrade tunnels: Node's server.close() waits for them, so closing the runner must end them. */
  readonly #tunnels = new Set<Duplex>();

  constructor(options: GatewayOptions) {
    this.#lookup = options.lookup;
    this.#logger = options.logger.child({ component: 'gateway' });
    this.#now = options.now ?? Date.now;
    this.#domain = options.domain ?? (() => 'localhost');
    this.#portSlots = new PortSlots(Math.min(options.maxUserPortConnections ?? USER_PORT_MAX_CONNECTIONS, USER_PORT_MAX_CONNECTIONS));
  }

  /** Whether a request is for a sandbox (by `E2b-Sandbox-Id`, or by a host name under the domain) rather than for the control plane. */
  claims(req: IncomingMessage): boolean {
    return req.headers[HEADERS.sandboxId] !== undefined || routeByHost(req.headers.host, this.#domain()).kind !== 'runner';
  }

  /** Drops pooled connections to a sandbox that is gone. */
  release(record: Pick<SandboxRecord, 'agentSocketPath'>): void {
    this.#agents.release(record.agentSocketPath);
    this.#portAgents.release(record.agentSocketPath);
  }

  close(): void {
    this.#agents.releaseAll();
    this.#portAgents.releaseAll();
    this.closeTunnels();
  }

  /** Ends every open Upgrade tunnel (WebSocket); the runner calls it when its close grace runs out. */
  closeTunnels(): void {
    for (const socket of this.#tunnels) socket.destroy();
    this.#tunnels.clear();
  }

  /**
   * An Upgrade request (WebSocket) for a sandbox: the same checks as any request, then a tunnel
   * to the agent, which relays it to the user's server. envd and the interpreter refuse it there.
   * Never throws.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => {
      this.#logger.debug({ err: error }, 'client upgrade socket failed');
      socket.destroy();
    });
    try {
      const route = this.#resolve(req);
      if (!route.ok) {
        writeRawJson(socket, route.status, route.body);
        return;
      }
      const release = isUserPort(route.port) ? this.#portSlots.acquire(route.record.sandboxId) : () => undefined;
      if (!release) {
        writeRawJson(socket, 503, tooManyBody(route.record.sandboxId, this.#portSlots.limit));
        return;
      }
      socket.once('close', release);
      this.#tunnels.add(socket);
      socket.once('close', () => this.#tunnels.delete(socket));
      tunnelUpgrade({ req, socket, head, record: route.record, port: route.port, path: route.path, drop: CREDENTIALS, logger: this.#logger });
    } catch (error) {
      this.#logger.error({ err: error, url: req.url }, 'gateway upgrade failed');
      socket.destroy();
    }
  }

  /**
   * Never throws: whatever a caller sends (a target no URL parser accepts, a header Node lets
   * through but `http.request` refuses), the answer is a 4xx/5xx with E2B's body, and only
   * this request is affected.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.#handle(req, res);
    } catch (error) {
      this.#logger.error({ err: error, method: req.method, url: req.url }, 'gateway request failed');
      failRequest(res, 500, 'The runner failed to handle the request; see the runner log.');
    }
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    // A client that resets mid-upload must not become an unhandled 'error' event.
    req.on('error', (error) => this.#logger.debug({ err: error }, 'client request stream failed'));
    const route = this.#resolve(req);
    if (!route.ok) {
      sendJson(res, route.status, route.body);
      return;
    }
    if (isUserPort(route.port)) {
      const release = this.#portSlots.acquire(route.record.sandboxId);
      if (!release) {
        res.setHeader('retry-after', '1');
        sendJson(res, 503, tooManyBody(route.record.sandboxId, this.#portSlots.limit));
        return;
      }
      res.once('close', release);
    }
    // The agent gets the target the access check saw (normalised), and the port as checked.
    this.#forward(req, res, route.record, route.path, route.port);
  }

  /**
   * The sandbox and port a request is for, by `E2b-Sandbox-Id`/`E2b-Sandbox-Port` or by the host
   * name (`sandbox-host.ts`), and whether it may go there (`access-policy.ts`).
   */
  #resolve(req: IncomingMessage): Resolution {
    const host = routeByHost(req.headers.host, this.#domain());
    if (host.kind === 'refused') return refuse(host.status, host.message);
    const byHost = host.kind === 'sandbox' ? host : undefined;
    const idHeader = req.headers[HEADERS.sandboxId];
    const headerId = typeof idHeader === 'string' ? idHeader : undefined;
    // Node joins repeated headers with ", ": which sandbox was meant is ambiguous, so refuse.
    if (headerId?.includes(',')) return refuse(400, 'Send exactly one E2b-Sandbox-Id header.');
    if (byHost && headerId !== undefined && headerId !== byHost.sandboxId) {
      return refuse(400, `E2b-Sandbox-Id names sandbox "${headerId.slice(0, 80)}" but the Host names "${byHost.sandboxId}"; send one, or both the same.`);
    }
    const sandboxId = headerId ?? byHost?.sandboxId ?? '';
    // Not shaped like an id: no such sandbox can exist, so E2B's not-found answer, before any lookup.
    if (!isSandboxId(sandboxId)) return { ok: false, status: 502, body: sandboxNotFoundBody(sandboxId.slice(0, 80)) };
    const portText = req.headers[HEADERS.sandboxPort];
    const headerPort = typeof portText === 'string' ? parsePort(portText) : undefined;
    if (portText !== undefined && headerPort === undefined) {
      return refuse(400, `E2b-Sandbox-Port must be one port number 1-65535 in decimal (49983 for envd, 49999 for the code interpreter), got "${String(portText).slice(0, 80)}".`);
    }
    if (byHost && headerPort !== undefined && headerPort !== byHost.port) {
      return refuse(400, `E2b-Sandbox-Port says ${headerPort} but the Host names port ${byHost.port}; send one, or both the same.`);
    }
    const port = headerPort ?? byHost?.port ?? ENVD_PORT;
    const target = parseRequestTarget(req.url);
    if (!target.ok) return refuse(400, target.reason);
    const record = this.#lookup(sandboxId);
    if (!record || record.status !== 'running') return { ok: false, status: 502, body: sandboxNotFoundBody(sandboxId) };
    const traffic = checkTrafficAccess(port, singleHeader(req.headers[HEADERS.trafficAccessToken]), record.trafficAccessToken);
    if (!traffic.allowed) return refuse(403, traffic.reason);
    const decision = checkAccess(
      { method: req.method ?? 'GET', url: req.url ?? '/', port, accessTokenHeader: singleHeader(req.headers[HEADERS.accessToken]), now: this.#now() },
      record.accessToken,
    );
    if (!decision.allowed) return refuse(401, decision.reason);
    return { ok: true, record, port, path: `${target.pathname}${target.search}` };
  }

  #forward(req: IncomingMessage, res: ServerResponse, record: SandboxRecord, path: string, port: number): void {
    const upstream = httpRequest({
      socketPath: record.agentSocketPath,
      agent: (isUserPort(port) ? this.#portAgents : this.#agents).for(record.agentSocketPath),
      method: req.method,
      path,
      // The id and port as resolved (a request routed by host name carries neither header).
      headers: {
        ...forwardableHeaders(req.headers),
        ...hostOverride(maskedHost(record, port)),
        [HEADERS.sandboxId]: record.sandboxId,
        [HEADERS.sandboxPort]: String(port),
      },
    });

    upstream.on('response', (response) => {
      response.on('error', (error) => {
        this.#logger.debug({ err: error, sandboxId: record.sandboxId }, 'sandbox agent response stream failed');
        res.destroy();
      });
      // What the agent sent in one read (headers, a whole short answer) goes out in one write.
      const cork = new TurnCork(res.socket);
      cork.beforeWrite();
      response.on('data', () => cork.beforeWrite());
      try {
        res.writeHead(response.statusCode ?? 502, response.statusMessage, forwardableHeaders(response.headers));
        // Headers go out in this turn: streaming RPCs may send their first message much later.
        res.flushHeaders();
      } catch (error) {
        // An event callback: a throw here would otherwise be uncaught and take the runner down.
        this.#logger.error({ err: error, sandboxId: record.sandboxId }, 'could not relay the sandbox agent\'s response');
        response.destroy();
        failRequest(res, 502, 'The sandbox answered with a response the runner cannot relay.');
        return;
      }
      response.pipe(res);
      response.on('close', () => {
        // The agent (or its container) went away mid-body: cut the client off too, so it sees an error, not a short success.
        if (!response.complete) res.destroy();
      });
    });

    upstream.on('error', (error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (res.destroyed) return;
      this.#logger.warn({ err: error, sandboxId: record.sandboxId }, 'sandbox agent unreachable');
      sendSandboxNotFound(res, record.sandboxId);
    });

    // The caller hung up (or the response finished): either way the upstream request is done.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });

    req.pipe(upstream);
  }
}

function hostOverride(host: string | undefined): OutgoingHttpHeaders {
  return host === undefined ? {} : { host };
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return endToEndHeaders(headers, CREDENTIALS);
}

function refuse(status: number, message: string): Resolution {
  return { ok: false, status, body: { code: status, message } };
}

function tooManyBody(sandboxId: string, limit: number): object {
  return { code: 503, message: `Sandbox ${sandboxId} has ${limit} requests and WebSockets to its ports open; close some and retry.` };
}

/** An error answer if the response has not started, else the connection is cut (a short success would lie). */
function failRequest(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  sendJson(res, status, { code: status, message });
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** E2B's proxy answer for a sandbox that does not exist (any more); the SDKs treat 502 as "sandbox gone". */
function sandboxNotFoundBody(sandboxId: string): object {
  return { message: 'The sandbox was not found', sandboxId, code: 502 };
}

function sendSandboxNotFound(res: ServerResponse, sandboxId: string): void {
  sendJson(res, 502, sandboxNotFoundBody(sandboxId));
}
