import { lookup } from 'node:dns/promises';
import { connect, isIPv4, type Socket } from 'node:net';
import { SocksClient } from 'socks';
import type { EgressProxySetting } from './egress-policy.js';
import type { EgressFloor } from './egress-floor.js';

/**
 * The proxy's outbound leg: straight to the destination, or through the sandbox's own SOCKS5
 * proxy (E2B's `egressProxy`). Through SOCKS5, a flow allowed by its host name is requested by
 * name (ATYP domain: the upstream proxy resolves it, as E2B documents); every other flow by its
 * address. Fails closed: when the SOCKS5 proxy is unreachable, refuses the request or rejects the
 * credentials, the sandbox's connection fails; there is never a direct fallback.
 */
export interface UpstreamTarget {
  /** The original destination. */
  readonly address: string;
  readonly port: number;
  /** Set when the flow was allowed by name: SOCKS5 then asks for the name, not the address. */
  readonly name?: string;
}

export class EgressUpstreamError extends Error {
  override readonly name = 'EgressUpstreamError';
}

/** `host:port` of an egressProxy setting; `[v6]:port` is refused (the runner's egress is IPv4). */
export function parseProxyAddress(address: string): { host: string; port: number } {
  const m = /^([^:[\]]+):(\d{1,5})$/.exec(address);
  const port = Number(m?.[2]);
  if (!m?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535) throw new EgressUpstreamError(`egress proxy address ${address} is not host:port`);
  return { host: m[1], port };
}

/**
 * The SOCKS5 proxy's IPv4 address, checked against the floor: it must be a global unicast
 * address or inside an operator exception (`network.egressAllow`), and never the host or one of
 * its networks. (E2B refuses proxies that resolve into private ranges; a self-hosted runner
 * lets its operator name the exceptions instead.)
 */
export async function proxyEndpoint(setting: EgressProxySetting, floor: EgressFloor): Promise<{ address: string; port: number }> {
  const { host, port } = parseProxyAddress(setting.address);
  const address = isIPv4(host) ? host : (await lookup(host, { family: 4 }).catch(() => undefined))?.address;
  if (address === undefined) throw new EgressUpstreamError(`egress proxy ${host} does not resolve to an IPv4 address`);
  const reason = floor.check(address, port);
  if (reason !== undefined) throw new EgressUpstreamError(`egress proxy ${setting.address} is not reachable from sandboxes (${reason})`);
  return { address, port };
}

export async function connectUpstream(
  target: UpstreamTarget,
  via: EgressProxySetting | undefined,
  floor: EgressFloor,
  timeoutMs: number,
): Promise<Socket> {
  if (via === undefined) return connectDirect(target.address, target.port, timeoutMs);
  const endpoint = await proxyEndpoint(via, floor);
  // Our own half-open socket to the SOCKS5 proxy (the library's would end its side on the server's FIN).
  const toProxy = await connectDirect(endpoint.address, endpoint.port, timeoutMs).catch((err: unknown) => {
    throw new EgressUpstreamError(`egress proxy ${via.address}: ${err instanceof Error ? err.message : String(err)}`);
  });
  try {
    const { socket } = await SocksClient.createConnection({
      command: 'connect',
      existing_socket: toProxy,
      proxy: {
        host: endpoint.address,
        port: endpoint.port,
        type: 5,
        ...(via.username !== undefined ? { userId: via.username, password: via.password ?? '' } : {}),
      },
      destination: { host: target.name ?? target.address, port: target.port },
      timeout: timeoutMs,
    });
    return socket;
  } catch (err) {
    toProxy.destroy();
    throw new EgressUpstreamError(`egress proxy ${via.address}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function connectDirect(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Half-open allowed: the client may still be sending after the server has finished.
    const socket = connect({ host: address, port, noDelay: true, allowHalfOpen: true });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new EgressUpstreamError(`connect to ${address}:${port} timed out`)), timeoutMs);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socket);
    });
  });
}
