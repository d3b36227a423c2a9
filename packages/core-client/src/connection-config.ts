import { ENVD_PORT } from '@codebox/protocol';
import { AuthenticationError, InvalidArgumentError } from './errors.js';

/** Connection options accepted by every call that talks to a Codebox runner (as `e2b`'s). */
export interface ConnectionOpts {
  /**
   * API key sent as `X-API-KEY`.
   * @default CODEBOX_API_KEY, else E2B_API_KEY // environment variables
   */
  apiKey?: string;
  /**
   * Control-plane base URL.
   * @default CODEBOX_API_URL, else E2B_API_URL, else `http://localhost:3000`
   */
  apiUrl?: string;
  /**
   * Data-plane (gateway) base URL; requests name their sandbox in headers.
   * @default CODEBOX_SANDBOX_URL, else E2B_SANDBOX_URL, else the API URL (a runner serves both)
   */
  sandboxUrl?: string;
  /**
   * Time limit for each request until the response headers arrive, in **milliseconds**;
   * `0` disables it.
   * @default 60_000
   */
  requestTimeoutMs?: number;
  /**
   * Domain of sandbox hosts (`getHost(port)` is `<port>-<sandboxId>.<domain>`) when the runner
   * reports none; the runner's own answer wins.
   * @default CODEBOX_DOMAIN, else E2B_DOMAIN
   */
  domain?: string;
  /** Extra headers for control-plane requests (never sent to the sandbox, as in `e2b`). */
  headers?: Record<string, string>;
  /** Aborts the in-flight request. */
  signal?: AbortSignal;
  /**
   * Talk to an agent at `sandboxUrl` (default `http://localhost:49983`) without a control
   * plane, as `e2b`'s debug mode does: create/connect/kill/setTimeout make no API calls.
   * @default CODEBOX_DEBUG, else E2B_DEBUG (`'true'`)
   */
  debug?: boolean;
}

export const DEFAULT_API_URL = 'http://localhost:3000';
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
/** Where `e2b`'s debug mode expects a bare envd. */
export const DEBUG_SANDBOX_URL = `http://localhost:${ENVD_PORT}`;

type Env = Readonly<Record<string, string | undefined>>;

/** The first non-empty value among the Codebox variable and its `E2B_*` fallback. */
function fromEnv(env: Env, name: string): string | undefined {
  return env[`CODEBOX_${name}`] || env[`E2B_${name}`] || undefined;
}

function normaliseUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(
      `${source} is not a valid URL: ${JSON.stringify(value)}. Use an absolute URL such as http://localhost:3000.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`${source} must be an http(s) URL, got ${JSON.stringify(value)}.`);
  }
  return value.replace(/\/+$/, '');
}

/** Resolved connection settings: options win over environment variables, which win over defaults. */
export class ConnectionConfig {
  static readonly envdPort = ENVD_PORT;

  readonly apiKey?: string;
  readonly apiUrl: string;
  readonly sandboxUrl: string;
  readonly requestTimeoutMs: number;
  readonly headers?: Record<string, string>;
  readonly debug: boolean;
  readonly domain?: string;

  constructor(opts: ConnectionOpts = {}, env: Env = process.env) {
    this.debug = opts.debug ?? fromEnv(env, 'DEBUG') === 'true';
    this.apiKey = opts.apiKey || fromEnv(env, 'API_KEY');
    this.apiUrl = normaliseUrl(
      opts.apiUrl || fromEnv(env, 'API_URL') || DEFAULT_API_URL,
      opts.apiUrl ? 'apiUrl' : 'CODEBOX_API_URL (or E2B_API_URL)',
    );
    const sandboxUrl = opts.sandboxUrl || fromEnv(env, 'SANDBOX_URL');
    this.sandboxUrl = sandboxUrl
      ? normaliseUrl(sandboxUrl, opts.sandboxUrl ? 'sandboxUrl' : 'CODEBOX_SANDBOX_URL (or E2B_SANDBOX_URL)')
      : this.debug
        ? DEBUG_SANDBOX_URL
        : this.apiUrl;
    const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs < 0) {
      throw new InvalidArgumentError(
        `requestTimeoutMs must be a non-negative number of milliseconds (0 disables it), got ${requestTimeoutMs}.`,
      );
    }
    this.requestTimeoutMs = requestTimeoutMs;
    if (opts.headers) this.headers = opts.headers;
    const domain = opts.domain || fromEnv(env, 'DOMAIN');
    if (domain) this.domain = domain;
  }

  /** The API key, or an `AuthenticationError` that says where to put one. */
  requireApiKey(): string {
    if (!this.apiKey) {
      throw new AuthenticationError(
        'API key is required: set the CODEBOX_API_KEY environment variable (E2B_API_KEY also works) ' +
          "or pass it as an option, e.g. Sandbox.create({ apiKey: 'e2b_...' }).",
      );
    }
    return this.apiKey;
  }

  /**
   * A signal that fires after `requestTimeoutMs` (this config's unless overridden) or when the
   * caller's signal fires; `undefined` when neither applies. The caller's signal is per call,
   * never kept in the config, so aborting one call cannot abort a sandbox's later calls.
   */
  getSignal(requestTimeoutMs?: number, userSignal?: AbortSignal): AbortSignal | undefined {
    const timeoutMs = requestTimeoutMs ?? this.requestTimeoutMs;
    const timeoutSignal = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
    if (timeoutSignal && userSignal) return AbortSignal.any([timeoutSignal, userSignal]);
    return timeoutSignal ?? userSignal;
  }
}
