import { DEFAULT_REQUEST_TIMEOUT_MS } from '../connection-config.js';
import { VolumeError, VolumePathNotFoundError } from '../errors.js';
import { errorMessage } from '../http/error-message.js';
import { fetchOrExplain } from '../http/fetch-or-explain.js';
import { VolumeFileType, type VolumeApiOpts, type VolumeEntryStat } from './volume-types.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface ContentRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  route: 'path' | 'dir' | 'file';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: NonNullable<RequestInit['body']>;
  json?: unknown;
}

/** The wire shape of an entry (dates as strings). */
interface WireEntry extends Omit<VolumeEntryStat, 'type' | 'atime' | 'mtime' | 'ctime'> {
  type: string;
  atime: string;
  mtime: string;
  ctime: string;
}

const FILE_TYPES = new Set<string>(Object.values(VolumeFileType));

export function toEntryStat(wire: WireEntry): VolumeEntryStat {
  return {
    ...wire,
    type: FILE_TYPES.has(wire.type) ? (wire.type as VolumeFileType) : VolumeFileType.UNKNOWN,
    atime: new Date(wire.atime),
    mtime: new Date(wire.mtime),
    ctime: new Date(wire.ctime),
  };
}

/**
 * Calls a volume's content API (`/volumecontent/{volumeID}/…`) with its token. A Codebox runner
 * serves it at its own URL, so that is the default base; E2B's variable still wins.
 */
export class VolumeContentClient {
  private readonly baseUrl: string;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly volumeId: string,
    defaults: { token: string; apiUrl: string },
    private readonly opts: VolumeApiOpts = {},
    env: Env = process.env,
  ) {
    this.baseUrl = (opts.apiUrl || env.CODEBOX_VOLUME_API_URL || env.E2B_VOLUME_API_URL || defaults.apiUrl).replace(/\/+$/, '');
    this.token = opts.token ?? defaults.token;
    this.timeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  /** Sends one request; 404 becomes VolumePathNotFoundError, other failures VolumeError with the server's message. */
  async send(req: ContentRequest): Promise<Response> {
    const url = new URL(`${this.baseUrl}/volumecontent/${encodeURIComponent(this.volumeId)}/${req.route}`);
    url.searchParams.set('path', req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers = new Headers({ 'User-Agent': 'codebox-core-client', ...this.opts.headers, Authorization: `Bearer ${this.token}` });
    const init: RequestInit & { duplex?: 'half' } = { method: req.method, headers };
    if (req.json !== undefined) {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(req.json);
    } else if (req.body !== undefined) {
      headers.set('Content-Type', 'application/octet-stream');
      init.body = req.body;
      // A stream body needs half-duplex in Node's fetch.
      if (req.body instanceof ReadableStream) init.duplex = 'half';
    }
    const signals = [this.opts.signal, this.timeoutMs > 0 ? AbortSignal.timeout(this.timeoutMs) : undefined].filter((s): s is AbortSignal => s !== undefined);
    if (signals.length > 0) init.signal = AbortSignal.any(signals);
    const res = await fetchOrExplain(url, init, {
      what: `the volume content API at ${this.baseUrl}`,
      hint: 'Set CODEBOX_VOLUME_API_URL (or E2B_VOLUME_API_URL, or pass apiUrl) to the runner\'s URL.',
      timeoutMs: this.timeoutMs,
    });
    if (res.ok) return res;
    const message = errorMessage(await res.text(), res.statusText);
    const error = res.status === 404 ? new VolumePathNotFoundError(`Path ${req.path} not found: ${message}`) : new VolumeError(`${res.status}: ${message}`);
    error.statusCode = res.status;
    throw error;
  }

  async entry(req: ContentRequest): Promise<VolumeEntryStat> {
    return toEntryStat((await (await this.send(req)).json()) as WireEntry);
  }

  async entries(req: ContentRequest): Promise<VolumeEntryStat[]> {
    const body = (await (await this.send(req)).json()) as unknown;
    return Array.isArray(body) ? (body as WireEntry[]).map(toEntryStat) : [];
  }
}
