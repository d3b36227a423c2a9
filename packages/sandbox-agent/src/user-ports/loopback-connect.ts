import { connect, type Socket } from 'node:net';

/** Loopback addresses a user's server may listen on, tried in order: IPv4 first, as most servers bind it. */
export const LOOPBACK_HOSTS = ['127.0.0.1', '::1'] as const;

const CONNECT_TIMEOUT_MS = 10_000;

/** Nothing listens on the port (on either loopback address). */
export class PortClosedError extends Error {
  override readonly name = 'PortClosedError';
  constructor(readonly port: number) {
    super(`nothing listens on port ${port} inside the sandbox (tried 127.0.0.1 and ::1)`);
  }
}

/**
 * A TCP connection to `port` on the sandbox's own loopback, and nowhere else: the relay never
 * takes an address from the request, so a user port cannot reach the host or the network.
 * `::1` is tried when 127.0.0.1 refuses (a server bound to `localhost` may pick IPv6 only).
 */
export async function connectLoopback(port: number): Promise<Socket> {
  for (const host of LOOPBACK_HOSTS) {
    try {
      return await connectTo(host, port);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EADDRNOTAVAIL/ENETUNREACH: no IPv6 loopback in this sandbox, which means closed as well.
      if (code !== 'ECONNREFUSED' && code !== 'EADDRNOTAVAIL' && code !== 'ENETUNREACH' && code !== 'EAFNOSUPPORT') throw error;
    }
  }
  throw new PortClosedError(port);
}

function connectTo(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const fail = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => fail(Object.assign(new Error(`connecting to ${host}:${port} timed out`), { code: 'ETIMEDOUT' })));
    socket.once('error', fail);
    socket.once('connect', () => {
      socket.off('error', fail);
      socket.setTimeout(0);
      resolve(socket);
    });
  });
}
