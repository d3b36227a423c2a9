import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';

/**
 * Resolves every `*.localhost` name to 127.0.0.1, as browsers and curl do (RFC 6761) and Node's
 * resolver does not, so tests reach `<port>-<id>.localhost:<runner port>` (what `getHost()` returns
 * on one machine) by name. Any other name is refused: tests send traffic to loopback only.
 */
export const lookupLocalhost: LookupFunction = (hostname, options, callback) => {
  if (hostname !== 'localhost' && !hostname.endsWith('.localhost')) {
    callback(Object.assign(new Error(`tests resolve *.localhost only, not ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    return;
  }
  if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/** For `fetch(url, { dispatcher })` and `new WebSocket(url, { dispatcher })`: connections by `*.localhost` names. */
export const localhostDispatcher = new Agent({ connect: { lookup: lookupLocalhost } });

/** `fetch` that resolves `*.localhost` names to loopback (the dispatcher is undici's; Node's fetch takes it). */
export function fetchByName(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, dispatcher: localhostDispatcher } as unknown as RequestInit);
}

/** Node's WebSocket to a `*.localhost` name (undici's `dispatcher` init, an extension to the standard constructor). */
export function webSocketByName(url: string): WebSocket {
  return new WebSocket(url, { dispatcher: localhostDispatcher } as unknown as string[]);
}
