import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ENVD_PORT, HEADERS } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { isSandboxId } from '../sandboxes/sandbox-ids.js';
import { checkAccess, checkTrafficAccess } from './access-policy.js';
import { AgentPool } from './agent-pool.js';
import { parseRequestTarget } from './request-target.js';

export interface GatewayOptions {
  /** The live sandbox with this id, whoever owns it (the access token is the credential here). */
  lookup: (sandboxId: string) => SandboxRecord | undefined;
  logger: Logger;
  now?: () => number;
}

/** Headers that describe one hop, not the message (RFC 9110 §7.6.1), plus our credentials. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const CREDENTIALS = new Set<string>([HEADERS.accessToken, HEADERS.apiKey, HEADERS.trafficAccessToken]);

/**
 * The data plane: forwards each request carrying `E2b-Sandbox-Id` to that sandbox's agent over
 * its unix socket, streaming both bodies (no buffering), so output reaches the caller as the
 * agent writes it and a caller hanging up reaches the agent as a closed connection.
 */
export class Gateway {
  readonly #lookup: GatewayOptions['lookup'];
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #agents = new AgentPool();

  constructor(options: GatewayOptions) {
    this.#lookup = options.lookup;
    this.#logger = options.logger.child({ component: 'gateway' });
    this.#now = options.now ?? Date.now;
  }

  /** Drops pooled connections to a sandbox that is gone. */
  release(record: Pick<SandboxRecord, 'agentSocketPath'>): void {
    this.#agents.release(record.agentSocketPath);
  }

  close(): void {
    this.#agents.releaseAll();
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
    const idHeader = req.headers[HEADERS.sandboxId];
    const sandboxId = typeof idHeader === 'string' ? idHeader : '';
    // Node joins repeated headers with ", ": which sandbox was meant is ambiguous, so refuse.
    if (sandboxId.includes(',')) {
      sendJson(res, 400, { code: 400, message: 'Send exactly one E2b-Sandbox-Id header.' });
      return;
    }
    // Not shaped like an id: no such sandbox can exist, so E2B's not-found answer, before any lookup.
    if (!isSandboxId(sandboxId)) {
      sendSandboxNotFound(res, sandboxId.slice(0, 80));
      return;
    }
    const portText = req.headers[HEADERS.sandboxPort];
    if (portText !== undefined && (typeof portText !== 'string' || !/^[0-9]{1,5}$/.test(portText))) {
      sendJson(res, 400, { code: 400, message: `E2b-Sandbox-Port must be one port number (49983 for envd, 49999 for the code interpreter), got "${String(portText)}".` });
      return;
    }
    const port = portText === undefined ? ENVD_PORT : Number(portText);
    if (port < 1 || port > 65535) {
      sendJson(res, 400, { code: 400, message: `E2b-Sandbox-Port must be a port number between 1 and 65535, got "${portText}".` });
      return;
    }
    const target = parseRequestTarget(req.url);
    if (!target.ok) {
      sendJson(res, 400, { code: 400, message: target.reason });
      return;
    }
    const record = this.#lookup(sandboxId);
    if (!record || record.status !== 'running') {
      sendSandboxNotFound(res, sandboxId);
      return;
    }
    const traffic = checkTrafficAccess(port, singleHeader(req.headers[HEADERS.trafficAccessToken]), record.trafficAccessToken);
    if (!traffic.allowed) {
      sendJson(res, 403, { code: 403, message: traffic.reason });
      return;
    }
    const decision = checkAccess(
      { method: req.method ?? 'GET', url: req.url ?? '/', port, accessTokenHeader: singleHeader(req.headers[HEADERS.accessToken]), now: this.#now() },
      record.accessToken,
    );
    if (!decision.allowed) {
      sendJson(res, 401, { code: 401, message: decision.reason });
      return;
    }
    // The agent gets the target the access check saw (normalised), and the port as checked.
    this.#forward(req, res, record, `${target.pathname}${target.search}`, port);
  }

  #forward(req: IncomingMessage, res: ServerResponse, record: SandboxRecord, path: string, port: number): void {
    const upstream = httpRequest({
      socketPath: record.agentSocketPath,
      agent: this.#agents.for(record.agentSocketPath),
      method: req.method,
      path,
      headers: { ...forwardableHeaders(req.headers), [HEADERS.sandboxPort]: String(port) },
    });

    upstream.on('response', (response) => {
      response.on('error', (error) => {
        this.#logger.debug({ err: error, sandboxId: record.sandboxId }, 'sandbox agent response stream failed');
        res.destroy();
      });
      try {
        res.writeHead(response.statusCode ?? 502, response.statusMessage, forwardableHeaders(response.headers));
        // Headers go out now: streaming RPCs may send their first message much later.
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

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function forwardableHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connectionListed = new Set(
    (singleHeader(headers.connection) ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter(Boolean),
  );
  const forwarded: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || CREDENTIALS.has(name) || connectionListed.has(name)) continue;
    forwarded[name] = value;
  }
  return forwarded;
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
function sendSandboxNotFound(res: ServerResponse, sandboxId: string): void {
  sendJson(res, 502, { message: 'The sandbox was not found', sandboxId, code: 502 });
}
