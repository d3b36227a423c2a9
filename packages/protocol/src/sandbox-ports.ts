import { CODE_INTERPRETER_PORT, ENVD_PORT } from './constants.js';

/**
 * User ports: a server the sandbox's user starts on port N is reached through the runner by
 * `E2b-Sandbox-Port: N` or the host name `N-<sandboxId>.<domain>`; the runner relays to the agent,
 * the agent to 127.0.0.1:N (or ::1) inside the sandbox. docs/internals.md has the contract.
 */

/** Ports the agent serves itself; they are never relayed to a user's server. */
export const AGENT_PORTS: readonly number[] = [ENVD_PORT, CODE_INTERPRETER_PORT];

/**
 * Requests and WebSockets to one sandbox's user ports in flight at once. The runner answers 503
 * past it; the agent too (a second line, as each one holds a socket in the agent and one to the server).
 */
export const USER_PORT_MAX_CONNECTIONS = 256;

/** E2B's edge wording for a sandbox that runs but where nothing listens on the port. */
export const PORT_CLOSED_MESSAGE = 'The sandbox is running but port is not open';

/** The 502 body of a closed port, as E2B's edge answers non-browser clients (plus `code`, as its other errors). */
export interface PortClosedBody {
  readonly message: typeof PORT_CLOSED_MESSAGE;
  readonly sandboxId: string;
  readonly port: number;
  readonly code: 502;
}

/**
 * A port as the runner and the agent accept it in `E2b-Sandbox-Port` and in host names: decimal,
 * no sign, no leading zero, 1–65535. Anything else (`08000`, `0x1f40`, `8000.0`) is undefined,
 * never read as some other number.
 */
export function parsePort(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,4}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

/** A port the relay may connect to: a whole number 1–65535 that is not one of the agent's own. */
export function isUserPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535 && !AGENT_PORTS.includes(port);
}

/**
 * A complete HTTP/1.1 response as text, for a socket no `ServerResponse` owns (an Upgrade
 * request that is refused). It closes the connection.
 */
export function formatRawHttpResponse(status: number, reason: string, contentType: string, body: string): string {
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${new TextEncoder().encode(body).length}\r\nConnection: close\r\n\r\n${body}`
  );
}
