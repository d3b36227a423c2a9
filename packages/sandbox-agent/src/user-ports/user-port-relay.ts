import { request as httpRequest, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { endToEndHeaders, formatRawHttpResponse, HEADERS, USER_PORT_MAX_CONNECTIONS } from '@codebox/protocol';
import type { Logger } from 'pino';
import { sendEnvdError } from '../handlers/http-response.js';
import { connectLoopback, PortClosedError } from './loopback-connect.js';
import { portClosedAnswer } from './port-closed-answer.js';

export interface UserPortRelayOptions {
  readonly logger: Logger;
  /** Requests and tunnels in flight at once; more answer 503. */
  readonly maxConnections?: number;
  /** How a relayed connection is opened; tests substitute it. Default: the sandbox's loopback. */
  readonly connect?: (port: number) => Promise<Socket>;
}

/**
 * Relays requests for a user port (any port but envd's and the interpreter's) to the server the
 * sandbox's user runs on it, over the sandbox's own loopback. The runner reaches the agent only
 * through its unix socket, so this works with the sandbox's network off too.
 *
 * HTTP is relayed as HTTP (both bodies streamed with backpressure, nothing buffered), so the
 * runner's pooled connection to the agent outlives each exchange; an Upgrade (WebSocket) is
 * relayed as bytes once the request head is written, whatever protocol follows.
 */
export class UserPortRelay {
  readonly #logger: Logger;
  readonly #max: number;
  readonly #connect: (port: number) => Promise<Socket>;
  #open = 0;
  /** Upgraded client sockets: the HTTP server's close() neither tracks nor waits for them to be closed by it. */
  readonly #tunnels = new Set<Duplex>();

  constructor(options: UserPortRelayOptions) {
    this.#logger = options.logger.child({ component: 'user-port-relay' });
    this.#max = options.maxConnections ?? USER_PORT_MAX_CONNECTIONS;
    this.#connect = options.connect ?? connectLoopback;
  }

  /** Ends every open tunnel (the agent is stopping). */
  close(): void {
    for (const socket of this.#tunnels) socket.destroy();
    this.#tunnels.clear();
  }

  /** Relays exchanges in flight now. */
  get open(): number {
    return this.#open;
  }

  relayRequest(request: IncomingMessage, response: ServerResponse, port: number): void {
    if (!this.#acquire()) {
      response.setHeader('retry-after', '1');
      sendEnvdError(response, 503, `${this.#max} requests to this sandbox's ports are in flight; retry when some finish`);
      return;
    }
    response.once('close', () => this.#release());
    this.#connect(port).then(
      (socket) => this.#forward(request, response, socket, port),
      (error: unknown) => {
        if (response.destroyed) return;
        if (error instanceof PortClosedError) {
          const answer = portClosedAnswer(sandboxIdOf(request), port, request.headers['user-agent']);
          response.writeHead(502, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body) });
          response.end(answer.body);
          return;
        }
        this.#logger.warn({ err: error, port }, 'could not connect to the user port');
        sendEnvdError(response, 502, `could not connect to port ${port} inside the sandbox: ${(error as Error).message}`);
      },
    );
  }

  #forward(request: IncomingMessage, response: ServerResponse, socket: Socket, port: number): void {
    if (response.destroyed) {
      socket.destroy();
      return;
    }
    const upstream = httpRequest({
      createConnection: () => socket,
      method: request.method,
      path: request.url,
      // The Host the client used stays: servers that check it (dev servers do) see what the browser sent.
      headers: canonicalHeaderCase(endToEndHeaders(request.headers)),
    });
    upstream.on('response', (answer) => {
      answer.on('error', () => response.destroy());
      try {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEndHeaders(answer.headers));
        // Headers now: an event stream may send its first event much later.
        response.flushHeaders();
      } catch (error) {
        // A header Node's parser let through but its writer refuses: this exchange fails, nothing else.
        this.#logger.debug({ err: error, port }, 'user server answered with headers that cannot be relayed');
        answer.destroy();
        if (!response.headersSent) sendEnvdError(response, 502, `the server on port ${port} answered with a response that cannot be relayed`);
        else response.destroy();
        return;
      }
      answer.pipe(response);
      answer.on('close', () => {
        // The server went away mid-body: the client must see a broken transfer, not a short success.
        if (!answer.complete) response.destroy();
      });
    });
    upstream.on('error', (error) => {
      if (response.headersSent || response.destroyed) {
        response.destroy();
        return;
      }
      this.#logger.debug({ err: error, port }, 'user server failed the request');
      sendEnvdError(response, 502, `the server on port ${port} closed the connection without answering (${(error as NodeJS.ErrnoException).code ?? error.message})`);
    });
    response.on('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  }

  /**
   * An Upgrade request (WebSocket): the head is written to the server as received, then bytes flow
   * both ways until either side closes. The server's own answer (101, or a refusal) reaches the
   * client unchanged; a closed port gets the 502 the HTTP relay gives.
   */
  relayUpgrade(request: IncomingMessage, client: Duplex, head: Buffer, port: number): void {
    client.on('error', () => client.destroy());
    if (!this.#acquire()) {
      client.end(rawJson(503, { message: `${this.#max} requests to this sandbox's ports are in flight; retry when some finish`, code: 503 }));
      return;
    }
    client.once('close', () => {
      this.#release();
      this.#tunnels.delete(client);
    });
    this.#tunnels.add(client);
    this.#connect(port).then(
      (server) => {
        if (client.destroyed) {
          server.destroy();
          return;
        }
        server.on('error', () => client.destroy());
        client.on('close', () => server.destroy());
        server.on('close', () => client.destroy());
        server.write(requestHead(request));
        if (head.length > 0) server.write(head);
        server.pipe(client);
        client.pipe(server);
      },
      (error: unknown) => {
        if (client.destroyed) return;
        if (error instanceof PortClosedError) {
          const answer = portClosedAnswer(sandboxIdOf(request), port, request.headers['user-agent']);
          client.end(formatRawHttpResponse(502, 'Bad Gateway', answer.contentType, answer.body));
          return;
        }
        client.end(rawJson(502, { message: `could not connect to port ${port} inside the sandbox: ${(error as Error).message}`, code: 502 }));
      },
    );
  }

  #acquire(): boolean {
    if (this.#open >= this.#max) return false;
    this.#open++;
    return true;
  }

  #release(): void {
    this.#open--;
  }
}

/**
 * Header names as E2B's proxy writes them (Go's canonical form: `Host`, `User-Agent`,
 * `E2b-Sandbox-Id`). Node hands the relay lower-cased names; names are case-insensitive in
 * HTTP, but user servers that print or compare them byte for byte (Python's http.server keeps
 * the case it read) must see what they see behind E2B. Node writes a header name with the case
 * of its key.
 */
export function canonicalHeaderCase(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())] = value;
  }
  return out;
}

function sandboxIdOf(request: IncomingMessage): string {
  const id = request.headers[HEADERS.sandboxId];
  return typeof id === 'string' ? id : '';
}

/** The request line and headers as received. Node's parser has already refused CR/LF in them, so they re-serialise safely. */
function requestHead(request: IncomingMessage): string {
  let head = `${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1\r\n`;
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) head += `${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}\r\n`;
  return `${head}\r\n`;
}

function rawJson(status: number, body: object): string {
  return formatRawHttpResponse(status, STATUS_CODES[status] ?? 'Error', 'application/json', JSON.stringify(body));
}
