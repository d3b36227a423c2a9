import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { formatRawHttpResponse } from '@codebox/protocol';
import type { RunnerConfig } from './config.js';

/**
 * The runner's HTTP edge: limits on what one client can hold, and answers for requests that
 * never reach a listener (malformed, too slow, too big), with E2B's `{code, message}` body.
 */

/**
 * Everything a listener of the runner does before and around the request handler, the same for
 * the plain and the TLS listener: limits, answers to malformed requests and CONNECT, Upgrade
 * routing, and a logged (not fatal) accept failure. Resolves once listening.
 */
export async function serveEdge(
  server: Server | HttpsServer,
  { limits, logger, port, host, onUpgrade }: { limits: RunnerConfig['http']; logger: Logger; port: number; host: string; onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void },
): Promise<AddressInfo> {
  applyConnectionLimits(server, limits, logger);
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => answerClientError(error, socket, logger));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => answerConnect(socket, logger));
  server.on('upgrade', onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listen, 'error' means a failed accept (EMFILE when file descriptors run out): the
  // server keeps listening, so log it; without a listener Node would throw and exit.
  server.on('error', (error) => logger.error({ err: error }, 'accepting a connection failed'));
  return server.address() as AddressInfo;
}

/** Sets connection, header and keep-alive limits; see `RunnerConfig['http']`. */
export function applyConnectionLimits(server: Server | HttpsServer, limits: RunnerConfig['http'], logger: Logger): void {
  server.maxConnections = limits.maxConnections;
  server.headersTimeout = limits.headersTimeoutSeconds * 1000;
  // The whole-request timer would also cut large uploads that are progressing; idle uploads are
  // cut by `watchBodyIdle` instead, and responses (long-lived streams) are never timed.
  server.requestTimeout = 0;
  server.keepAliveTimeout = limits.keepAliveTimeoutSeconds * 1000;
  // Node's default would wait 1 s past keepAliveTimeout; idle sockets are the first thing a flood exhausts.
  server.keepAliveTimeoutBuffer = 0;

  const perClient = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const open = (perClient.get(client) ?? 0) + 1;
    if (open > limits.maxConnectionsPerClient) {
      logger.warn({ client, limit: limits.maxConnectionsPerClient }, 'client has too many connections open; refusing another');
      socket.destroy();
      return;
    }
    perClient.set(client, open);
    socket.once('close', () => {
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
  });
  server.on('drop', (data?: { remoteAddress?: string }) => {
    logger.warn({ client: data?.remoteAddress, limit: limits.maxConnections }, 'runner has too many connections open; dropped one');
  });
}

/**
 * Cuts a request whose body upload stalls for `idleMs`. The timer runs on the socket only
 * until the body has been read, so a response that streams for the sandbox's lifetime is untouched.
 */
export function watchBodyIdle(req: IncomingMessage, res: ServerResponse, idleMs: number, logger: Logger): void {
  if (req.complete) return;
  const onIdle = (): void => {
    logger.debug({ method: req.method, url: req.url }, 'request body upload stalled; closing the connection');
    if (!res.headersSent && !res.destroyed) {
      res.shouldKeepAlive = false;
      sendError(res, 408, `The request body stalled for ${idleMs / 1000} s; the runner closed the connection.`);
    }
    req.socket.destroy();
  };
  req.setTimeout(idleMs, onIdle);
  const clear = (): void => {
    req.off('timeout', onIdle);
    req.socket.setTimeout(0);
  };
  req.once('end', clear);
  req.once('close', clear);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  const payload = JSON.stringify({ code: status, message });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** CONNECT (authority-form) has no meaning here; without a listener Node would drop the socket without a word. */
export function answerConnect(socket: Duplex, logger: Logger): void {
  logger.debug('CONNECT request refused');
  socket.on('error', () => socket.destroy());
  const payload = JSON.stringify({ code: 400, message: 'CONNECT is not supported: the runner is not a proxy.' });
  socket.end(formatRawHttpResponse(400, 'Bad Request', 'application/json', payload));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** An Upgrade (WebSocket, h2c) to the control plane: it has nothing to upgrade to. */
export function answerUpgrade(socket: Duplex, logger: Logger): void {
  logger.debug('Upgrade request to the control plane refused');
  socket.on('error', () => socket.destroy());
  const payload = JSON.stringify({ code: 400, message: 'Upgrade is only relayed to sandbox ports (E2b-Sandbox-Id, or a <port>-<sandboxId>.<domain> host); send this request without it.' });
  socket.end(formatRawHttpResponse(400, 'Bad Request', 'application/json', payload));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * Requests Node's parser refuses (bad request line, NUL or invalid header characters, too-large
 * headers, headers too slow): a 4xx with E2B's body, then the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, logger: Logger): void {
  logger.debug({ err: error, code: error.code }, 'malformed or timed-out request');
  // As Node's default handler: a response already under way cannot be replaced by an error answer.
  const responding = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || responding?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'The request headers are larger than this runner accepts.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request headers did not arrive in time; the runner closed the connection.']
        : [400, 'Bad Request', `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`];
  const payload = JSON.stringify({ code: status, message });
  socket.end(formatRawHttpResponse(status, reason, 'application/json', payload));
  // end() waits for the peer; a peer that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
