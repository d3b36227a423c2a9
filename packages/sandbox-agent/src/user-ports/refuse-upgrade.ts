import type { Duplex } from 'node:stream';
import { CODE_INTERPRETER_PORT, ENVD_PORT, formatRawHttpResponse } from '@codebox/protocol';

/** envd and the code interpreter speak plain HTTP only: an Upgrade to them is answered, then the socket closed. */
export function refuseUpgrade(socket: Duplex, port: number | undefined): void {
  socket.on('error', () => socket.destroy());
  const message =
    port === undefined
      ? 'E2b-Sandbox-Port must be a port number 1-65535 written in decimal'
      : `port ${port} (${port === ENVD_PORT ? 'envd' : port === CODE_INTERPRETER_PORT ? 'the code interpreter' : 'the agent'}) does not accept Upgrade requests; only user ports relay WebSockets`;
  socket.end(formatRawHttpResponse(400, 'Bad Request', 'application/json', JSON.stringify({ message, code: 400 })));
}
