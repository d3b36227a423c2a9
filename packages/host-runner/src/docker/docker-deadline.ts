import type Dockerode from 'dockerode';
import { DockerTimeoutError } from './errors.js';

/** How long dockerd may take to answer a request/response call when the config names nothing. */
export const DEFAULT_DOCKER_REQUEST_TIMEOUT_MS = 60_000;

/** What docker-modem's `dial` is given for one API call (the fields this module reads). */
export interface DialOptions {
  path: string;
  method: string;
  /** Query/body options; `t` is a stop/restart grace period in seconds. */
  options?: Record<string, unknown>;
  /** The callback gets a stream once the response headers arrive (logs with follow, events, pull, archive). */
  isStream?: boolean;
  /** An upgraded connection (attach, exec start) that lives as long as the process does. */
  hijack?: boolean;
  openStdin?: boolean;
  /** A request body streamed from a file or stream (build context, image import, putArchive). */
  file?: unknown;
  abortSignal?: AbortSignal;
}

interface DialingModem {
  socketPath?: string;
  host?: string;
  port?: string | number;
  dial(options: DialOptions, callback: (err: unknown, data?: unknown) => void): void;
}

/**
 * The deadline of one call, or undefined for calls that may legitimately take as long as they
 * take: uploads (dockerd may answer only once the whole body is in, e.g. a build context or an
 * image import), hijacked connections (attach, exec) and `wait` (answers when the container
 * exits). Everything else gets `timeoutMs` until its callback: for request/response calls that
 * is the whole answer (docker-modem buffers the body), for streams (logs with follow, events,
 * archives, pull progress) only until the headers arrive, so a stream that flows is never cut.
 * stop/restart may take their own grace period `t` on top.
 */
export function deadlineFor(call: DialOptions, timeoutMs: number): number | undefined {
  if (call.file !== undefined || call.hijack || call.openStdin) return undefined;
  const path = call.path.split('?')[0] ?? '';
  if (/\/containers\/[^/]+\/wait$/.test(path)) return undefined;
  const grace = /\/containers\/[^/]+\/(stop|restart)$/.test(path) ? Number(call.options?.['t']) : Number.NaN;
  return Number.isFinite(grace) && grace > 0 ? timeoutMs + grace * 1000 : timeoutMs;
}

/**
 * Gives every call of this client a deadline (see deadlineFor): a dockerd (or a proxy in front
 * of it) that accepts the connection but never answers fails the call with DockerTimeoutError
 * (HTTP 503 at the API) instead of hanging the request, and the socket is closed.
 *
 * Why not docker-modem's own options: `timeout` is a socket idle timeout applied to every
 * request, streams included, so it would cut a quiet `logs --follow` or build; and
 * `connectionTimeout` only covers the time until the response headers, so a dockerd that sends
 * headers and then stalls a JSON body hangs forever, and uploads are cut. Wrapping `dial` (every
 * request goes through it) sees what kind of call it is and aborts through the `abortSignal`
 * docker-modem passes to the request.
 */
export function applyDockerDeadlines(docker: Dockerode, timeoutMs: number): Dockerode {
  const modem = docker.modem as DialingModem;
  const endpoint = modem.socketPath ? `unix://${modem.socketPath}` : `${modem.host ?? 'localhost'}:${modem.port ?? ''}`;
  const dial = modem.dial.bind(modem);
  modem.dial = (call, callback) => {
    const deadlineMs = deadlineFor(call, timeoutMs);
    if (deadlineMs === undefined) {
      dial(call, callback);
      return;
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), deadlineMs);
    // The caller's own signal (dockerode passes `abortSignal` through) still works.
    const signal = call.abortSignal ? AbortSignal.any([call.abortSignal, controller.signal]) : controller.signal;
    // Only `method path`, never the query: it may carry names the caller chose, not secrets, but it is noise.
    const what = `${call.method} ${(call.path.split('?')[0] ?? '').replace(/^\/v[\d.]+\//, '/')}`;
    dial({ ...call, abortSignal: signal }, (err, data) => {
      // A stream's callback comes at the headers: from here on it flows untimed.
      clearTimeout(timer);
      callback(err !== null && err !== undefined && controller.signal.aborted ? new DockerTimeoutError(endpoint, what, deadlineMs, err) : err, data);
    });
  };
  return docker;
}
