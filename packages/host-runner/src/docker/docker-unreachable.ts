import type Dockerode from 'dockerode';
import { DockerUnreachableError } from './errors.js';

/**
 * Socket-level failures that mean "nobody answers at dockerd's address", as opposed to an API
 * error dockerd answered. ECONNRESET/EPIPE also cover a daemon (or proxy) that dropped the
 * connection mid-request: the request may or may not have taken effect, which the callers'
 * cleanup and the reconcile loop already have to handle.
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

export function isDockerUnreachable(err: unknown): err is NodeJS.ErrnoException {
  if (typeof err !== 'object' || err === null) return false;
  // An API answer (404, 409, 500 …) carries statusCode: dockerd was reached.
  if ('statusCode' in err) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

interface DialingModem {
  socketPath?: string;
  host?: string;
  port?: string | number;
  dial(options: unknown, callback: (err: unknown, data?: unknown) => void): void;
}

/**
 * Makes every call of this client reject with DockerUnreachableError (HTTP 503 at the API) when
 * dockerd cannot be reached, so callers branch on one typed error instead of raw socket codes.
 * docker-modem funnels every request through `dial`, so wrapping its callback covers them all.
 */
export function reportUnreachableDocker(docker: Dockerode): Dockerode {
  const modem = docker.modem as DialingModem;
  const endpoint = modem.socketPath ? `unix://${modem.socketPath}` : `${modem.host ?? 'localhost'}:${modem.port ?? ''}`;
  const dial = modem.dial.bind(modem);
  modem.dial = (options, callback) =>
    dial(options, (err, data) => callback(isDockerUnreachable(err) ? new DockerUnreachableError(endpoint, err.code ?? 'unknown', err) : err, data));
  return docker;
}

