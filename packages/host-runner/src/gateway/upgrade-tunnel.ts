import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { formatRawHttpResponse, HEADERS } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { maskedHost } from './request-host-mask.js';

/** An answer on a socket no `ServerResponse` owns (an Upgrade request), then the socket closes. */
export function writeRawJson(socket: Duplex, status: number, body: object): void {
  if (socket.destroyed) return;
  socket.end(formatRawHttpResponse(status, STATUS_CODES[status] ?? 'Error', 'application/json', JSON.stringify(body)));
  // end() waits for the peer; a peer that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}

export interface TunnelOptions {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly record: SandboxRecord;
  readonly port: number;
  /** The request-target as the access check saw it. */
  readonly path: string;
  /** Header names (lower case) that end here: our credentials. */
  readonly drop: ReadonlySet<string>;
  readonly logger: Logger;
}

/**
 * A checked Upgrade request goes to the sandbox's agent on a connection of its own (a tunnel
 * holds it for its lifetime, so it is never pooled): the request head is written with the
 * sandbox id and port as resolved and without our credentials, then bytes flow both ways. The
 * runner does not parse what comes back: the 101 and the frames are the user's server's
 * business, and the agent's answer when the port is closed reaches the client as it is.
 */
export function tunnelUpgrade({ req, socket, head, record, port, path, drop, logger }: TunnelOptions): void {
  const agent = connect(record.agentSocketPath);
  let answered = false;
  agent.once('data', () => (answered = true));
  agent.on('error', (error) => {
    logger.debug({ err: error, sandboxId: record.sandboxId }, 'upgrade tunnel to the sandbox agent failed');
    if (!answered) writeRawJson(socket, 502, { message: 'The sandbox was not found', sandboxId: record.sandboxId, code: 502 });
    else socket.destroy();
  });
  agent.on('close', () => {
    if (answered) socket.destroy();
  });
  socket.on('close', () => agent.destroy());
  agent.on('connect', () => {
    agent.write(requestHead(req, path, record, port, drop));
    if (head.length > 0) agent.write(head);
    agent.pipe(socket);
    socket.pipe(agent);
  });
}

/** Node's parser has refused CR/LF in names and values already, so the head re-serialises safely. */
function requestHead(req: IncomingMessage, path: string, record: SandboxRecord, port: number, drop: ReadonlySet<string>): string {
  const { sandboxId } = record;
  let head = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`;
  const mask = maskedHost(record, port);
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (drop.has(lower) || lower === HEADERS.sandboxId || lower === HEADERS.sandboxPort) continue;
    // The mask was checked at create to be a plain host[:port]: no line breaks reach the head.
    head += `${name}: ${mask !== undefined && lower === 'host' ? mask : (req.rawHeaders[i + 1] ?? '')}\r\n`;
  }
  return `${head}${HEADERS.sandboxId}: ${sandboxId}\r\n${HEADERS.sandboxPort}: ${port}\r\n\r\n`;
}
