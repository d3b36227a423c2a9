import { ENVD_PORT, HEADERS } from '@codebox/protocol';
import type { Interceptor, Transport } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import type { ConnectionConfig } from '../connection-config.js';
import { fetchOrExplain } from '../http/fetch-or-explain.js';

/**
 * Asks the agent for keepalive events every 50 s on streams (the SDK's interval), so idle
 * streams are not cut by proxies.
 */
export const KEEPALIVE_HEADERS: Readonly<Record<string, string>> = { [HEADERS.keepalivePingInterval]: '50' };

export interface EnvdConnectionInit {
  config: ConnectionConfig;
  sandboxId: string;
  envdVersion: string;
  envdAccessToken?: string;
  /** Sent on every port but envd's, as the SDK does, when the sandbox was created with `allowPublicTraffic: false`. */
  trafficAccessToken?: string;
}

/**
 * Everything that talks to one sandbox's agent through the gateway: the Connect-RPC transport
 * (JSON) and plain HTTP (`/files`, `/health`), both carrying the routing and access headers.
 * Control-plane `headers` are not sent here, as in `e2b`.
 */
export class EnvdConnection {
  readonly config: ConnectionConfig;
  readonly sandboxId: string;
  readonly envdVersion: string;
  readonly transport: Transport;
  private readonly envdAccessToken: string | undefined;
  private readonly trafficAccessToken: string | undefined;

  constructor(init: EnvdConnectionInit) {
    this.config = init.config;
    this.sandboxId = init.sandboxId;
    this.envdVersion = init.envdVersion;
    this.envdAccessToken = init.envdAccessToken;
    this.trafficAccessToken = init.trafficAccessToken;
    const addHeaders: Interceptor = (next) => async (req) => {
      for (const [name, value] of Object.entries(this.headers(ENVD_PORT))) req.header.set(name, value);
      return next(req);
    };
    this.transport = createConnectTransport({
      baseUrl: init.config.sandboxUrl,
      useBinaryFormat: false,
      interceptors: [addHeaders],
    });
  }

  /** Headers that route a request to `port` of this sandbox and prove access to it. */
  headers(port: number): Record<string, string> {
    const headers: Record<string, string> = {
      [HEADERS.sandboxId]: this.sandboxId,
      [HEADERS.sandboxPort]: String(port),
    };
    if (this.envdAccessToken) headers[HEADERS.accessToken] = this.envdAccessToken;
    if (this.trafficAccessToken && port !== ENVD_PORT) headers[HEADERS.trafficAccessToken] = this.trafficAccessToken;
    return headers;
  }

  /**
   * A plain HTTP request to a service in the sandbox (`path` includes any query string); envd
   * unless `port` names another, such as the code interpreter's.
   */
  fetch(path: string, init: RequestInit & { requestTimeoutMs?: number }, port: number = ENVD_PORT): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.headers(port))) headers.set(name, value);
    return fetchOrExplain(
      `${this.config.sandboxUrl}${path}`,
      { ...init, headers },
      {
        what: `sandbox ${this.sandboxId} via ${this.config.sandboxUrl}`,
        hint: 'Is the runner up? Set CODEBOX_SANDBOX_URL (or CODEBOX_API_URL) to where it listens.',
        timeoutMs: init.requestTimeoutMs ?? this.config.requestTimeoutMs,
      },
    );
  }
}
