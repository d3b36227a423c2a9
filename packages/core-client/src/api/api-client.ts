import { HEADERS } from '@codebox/protocol';
import type { z } from 'zod';
import type { ConnectionConfig } from '../connection-config.js';
import { SandboxError } from '../errors.js';
import { errorMessage } from '../http/error-message.js';
import { fetchOrExplain } from '../http/fetch-or-explain.js';
import { apiError } from './api-error.js';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body; `undefined` for empty bodies (204). */
  body: unknown;
}

/** A failed response: the status and the server's message, for call-specific mapping. */
export class ApiResponseError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
  ) {
    super(`${status}: ${serverMessage}`);
    this.name = 'ApiResponseError';
  }
}

/** The control-plane REST client: `X-API-KEY`, JSON bodies, `{code, message}` errors. */
export class ApiClient {
  private readonly apiKey: string;

  constructor(private readonly config: ConnectionConfig) {
    this.apiKey = config.requireApiKey();
  }

  /**
   * Sends one request. A non-2xx status rejects with `ApiResponseError` so the caller can
   * treat statuses it expects (a 404 from kill) before {@link toApiError} maps the rest.
   */
  async send(req: ApiRequest): Promise<ApiResponse> {
    const url = new URL(this.config.apiUrl + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    const headers = new Headers({
      'User-Agent': 'codebox-core-client',
      ...this.config.headers,
    });
    headers.set(HEADERS.apiKey, this.apiKey);
    const init: RequestInit = { method: req.method, headers };
    if (req.body !== undefined) {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(req.body);
    }
    const signal = this.config.getSignal(req.requestTimeoutMs, req.signal);
    if (signal) init.signal = signal;

    const res = await fetchOrExplain(url, init, {
      what: `the Codebox API at ${this.config.apiUrl}`,
      hint: 'Is the runner up? Set CODEBOX_API_URL (or pass apiUrl) to where it listens.',
      timeoutMs: req.requestTimeoutMs ?? this.config.requestTimeoutMs,
    });
    const text = await res.text();
    if (!res.ok) throw new ApiResponseError(res.status, errorMessage(text, res.statusText));
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        throw new SandboxError(
          `The Codebox API answered ${req.method} ${req.path} with a body that is not JSON: ${text.slice(0, 200)}`,
        );
      }
    }
    return { status: res.status, headers: res.headers, body };
  }
}

/** Parses a response body with its schema, or says which call returned what. */
export function parseBody<S extends z.ZodType>(schema: S, res: ApiResponse, call: string): z.infer<S> {
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) {
    throw new SandboxError(
      `The Codebox API answered ${call} with an unexpected body (${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}). Client and runner versions may not match.`,
    );
  }
  return parsed.data;
}

/** Maps anything thrown by {@link ApiClient.send} to the SDK's error classes. */
export function toApiError(err: unknown, onNotFound?: Parameters<typeof apiError>[2]): unknown {
  if (err instanceof ApiResponseError) return apiError(err.status, err.serverMessage, onNotFound);
  return err;
}
