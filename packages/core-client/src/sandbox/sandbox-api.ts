import {
  sandboxDetailSchema,
  sandboxSchema,
  type NewSandbox,
  type SandboxNetwork,
  type SandboxNetworkUpdate,
} from '@codebox/protocol';
import { compareVersions } from 'compare-versions';
import { ApiClient, ApiResponseError, parseBody, toApiError } from '../api/api-client.js';
import { ConnectionConfig, type ConnectionOpts } from '../connection-config.js';
import { NotFoundError, SandboxNotFoundError, TemplateError } from '../errors.js';
import { toSandboxInfo, type SandboxInfo } from './sandbox-info.js';

/** Options of the static control-plane calls (`Sandbox.kill`, `getInfo`, `setTimeout`). */
export type SandboxApiOpts = Pick<
  ConnectionOpts,
  'apiKey' | 'apiUrl' | 'headers' | 'debug' | 'requestTimeoutMs' | 'signal'
>;

/** What the client needs to reach a sandbox's agent, from create or connect. */
export interface SandboxConnection {
  sandboxId: string;
  sandboxDomain?: string;
  envdVersion: string;
  envdAccessToken?: string;
  trafficAccessToken?: string;
}

export interface CreateSandboxRequest {
  template: string;
  timeoutMs: number;
  metadata?: Record<string, string>;
  envs?: Record<string, string>;
  secure: boolean;
  allowInternetAccess: boolean;
  network?: SandboxNetwork;
  volumeMounts?: Array<{ name: string; path: string }>;
}

/** E2B sends whole seconds, rounded up so a short timeout never becomes 0. */
export function timeoutToSeconds(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1000);
}

const sandboxPath = (sandboxId: string) => `/sandboxes/${encodeURIComponent(sandboxId)}`;
const notFound = (sandboxId: string) => () => new SandboxNotFoundError(`Sandbox ${sandboxId} not found`);

function toConnection(body: ReturnType<typeof sandboxSchema.parse>): SandboxConnection {
  const conn: SandboxConnection = { sandboxId: body.sandboxID, envdVersion: body.envdVersion };
  if (body.domain) conn.sandboxDomain = body.domain;
  if (body.envdAccessToken) conn.envdAccessToken = body.envdAccessToken;
  if (body.trafficAccessToken) conn.trafficAccessToken = body.trafficAccessToken;
  return conn;
}

export async function createSandbox(req: CreateSandboxRequest, opts: ConnectionOpts = {}): Promise<SandboxConnection> {
  const config = new ConnectionConfig(opts);
  const body: NewSandbox = {
    templateID: req.template,
    timeout: timeoutToSeconds(req.timeoutMs),
    secure: req.secure,
    allow_internet_access: req.allowInternetAccess,
  };
  if (req.metadata) body.metadata = req.metadata;
  if (req.envs) body.envVars = req.envs;
  if (req.network) body.network = req.network;
  if (req.volumeMounts) body.volumeMounts = req.volumeMounts;
  const api = new ApiClient(config);
  try {
    const res = await api.send({ method: 'POST', path: '/sandboxes', body, ...callOpts(opts) });
    const conn = toConnection(parseBody(sandboxSchema, res, 'POST /sandboxes'));
    if (compareVersions(conn.envdVersion, '0.1.0') < 0) {
      await killSandbox(conn.sandboxId, opts);
      throw new TemplateError(
        `Template ${req.template} runs agent version ${conn.envdVersion}, older than this client supports (0.1.0). Rebuild the template.`,
      );
    }
    return conn;
  } catch (err) {
    throw toApiError(err, (message) => new NotFoundError(`Template ${req.template} not found: ${message}`));
  }
}

export async function connectSandbox(
  sandboxId: string,
  opts: ConnectionOpts & { timeoutMs?: number } = {},
): Promise<SandboxConnection> {
  const api = new ApiClient(new ConnectionConfig(opts));
  const body = opts.timeoutMs === undefined ? {} : { timeout: timeoutToSeconds(opts.timeoutMs) };
  try {
    const res = await api.send({ method: 'POST', path: `${sandboxPath(sandboxId)}/connect`, body, ...callOpts(opts) });
    return toConnection(parseBody(sandboxSchema, res, 'POST /sandboxes/{id}/connect'));
  } catch (err) {
    throw toApiError(err, notFound(sandboxId));
  }
}

/** `true` when the sandbox was killed, `false` when there was no such sandbox. */
export async function killSandbox(sandboxId: string, opts: SandboxApiOpts = {}): Promise<boolean> {
  const api = new ApiClient(new ConnectionConfig(opts));
  try {
    await api.send({ method: 'DELETE', path: sandboxPath(sandboxId), ...callOpts(opts) });
    return true;
  } catch (err) {
    if (err instanceof ApiResponseError && err.status === 404) return false;
    throw toApiError(err);
  }
}

export async function getSandboxInfo(sandboxId: string, opts: SandboxApiOpts = {}): Promise<SandboxInfo> {
  const api = new ApiClient(new ConnectionConfig(opts));
  try {
    const res = await api.send({ method: 'GET', path: sandboxPath(sandboxId), ...callOpts(opts) });
    return toSandboxInfo(parseBody(sandboxDetailSchema, res, 'GET /sandboxes/{id}'));
  } catch (err) {
    throw toApiError(err, notFound(sandboxId));
  }
}

export async function setSandboxTimeout(sandboxId: string, timeoutMs: number, opts: SandboxApiOpts = {}): Promise<void> {
  const api = new ApiClient(new ConnectionConfig(opts));
  try {
    await api.send({
      method: 'POST',
      path: `${sandboxPath(sandboxId)}/timeout`,
      body: { timeout: timeoutToSeconds(timeoutMs) },
      ...callOpts(opts),
    });
  } catch (err) {
    throw toApiError(err, notFound(sandboxId));
  }
}

/**
 * Replaces the sandbox's egress rules (E2B's `updateNetwork`): fields left out are cleared, so an
 * update that should keep the SOCKS5 proxy or the rules repeats them.
 */
export async function updateSandboxNetwork(sandboxId: string, network: SandboxNetworkUpdate, opts: SandboxApiOpts = {}): Promise<void> {
  const api = new ApiClient(new ConnectionConfig(opts));
  try {
    await api.send({ method: 'PUT', path: `${sandboxPath(sandboxId)}/network`, body: network, ...callOpts(opts) });
  } catch (err) {
    throw toApiError(err, notFound(sandboxId));
  }
}

export function callOpts(opts: Pick<ConnectionOpts, 'requestTimeoutMs' | 'signal'>): {
  requestTimeoutMs?: number;
  signal?: AbortSignal;
} {
  const out: { requestTimeoutMs?: number; signal?: AbortSignal } = {};
  if (opts.requestTimeoutMs !== undefined) out.requestTimeoutMs = opts.requestTimeoutMs;
  if (opts.signal) out.signal = opts.signal;
  return out;
}
