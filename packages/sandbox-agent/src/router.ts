import type { IncomingMessage, ServerResponse } from 'node:http';
import { CODE_INTERPRETER_PORT, ENVD_PORT, HEADERS, isUserPort, parsePort } from '@codebox/protocol';
import { sendEnvdError } from './handlers/http-response.js';

/** The in-sandbox services, each behind the sandbox port the SDKs and the runner's gateway name it by. */
export type AgentServiceName = 'envd' | 'interpreter';

export const SERVICE_PORTS: Readonly<Record<AgentServiceName, number>> = {
  envd: ENVD_PORT,
  interpreter: CODE_INTERPRETER_PORT,
};

/** Values of a route's `:name` path segments, percent-decoded. */
export type RouteParams = Readonly<Record<string, string>>;

export type RouteHandler = (request: IncomingMessage, response: ServerResponse, params: RouteParams) => void | Promise<void>;

/** A plain Node request listener: what the router itself is. */
export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface Route {
  readonly service: AgentServiceName;
  /** An HTTP method, or `*` for a handler that answers every method itself (Connect-RPC, a 405). */
  readonly method: string;
  /** `/contexts/:id/restart`: literal segments, and `:name` segments matching one non-empty segment. */
  readonly path: string;
  readonly handle: RouteHandler;
}

/** How one service answers what no route of it serves, and what a route throws. Each speaks its own wire's error format. */
export interface ServiceAnswers {
  readonly notFound: (request: IncomingMessage, response: ServerResponse, pathname: string) => void;
  readonly fail: (error: unknown, request: IncomingMessage, response: ServerResponse) => void;
}

export interface RouteTable {
  /** The services this agent runs; a port whose service is absent (the interpreter without a user to run kernels as) answers 404. */
  readonly services: Partial<Record<AgentServiceName, ServiceAnswers>>;
  /** Matched in order; the first route whose service, method and path match serves the request. */
  readonly routes: readonly Route[];
  /** Serves every other port (1–65535): the relay to the user's server on it (`user-ports/`). */
  readonly userPorts?: (request: IncomingMessage, response: ServerResponse, port: number) => void;
}

/**
 * Dispatches every request of the agent: the service by `E2b-Sandbox-Port` (absent or 49983 is
 * envd, 49999 the code interpreter), then the first matching route of that service's table.
 * Paths are matched as the WHATWG URL parser normalises them (the runner's gateway forwards them so).
 */
export function createRouter(table: RouteTable): RequestHandler {
  const compiled = table.routes.map((route) => ({ route, segments: route.path.split('/') }));
  return async (request, response) => {
    const header = request.headers[HEADERS.sandboxPort];
    const port = header === undefined ? ENVD_PORT : parsePort(Array.isArray(header) ? (header[0] ?? '') : header);
    if (port === undefined) {
      sendEnvdError(response, 400, `E2b-Sandbox-Port must be a port number 1-65535 written in decimal, got "${String(header)}"`);
      return;
    }
    const service = (Object.keys(SERVICE_PORTS) as AgentServiceName[]).find((name) => SERVICE_PORTS[name] === port);
    if (service === undefined && table.userPorts && isUserPort(port)) {
      table.userPorts(request, response, port);
      return;
    }
    const answers = service === undefined ? undefined : table.services[service];
    if (service === undefined || answers === undefined) {
      const message =
        service === 'interpreter'
          ? `the code interpreter is not running in this sandbox (port ${CODE_INTERPRETER_PORT}); envd on ${ENVD_PORT} is`
          : `nothing listens on sandbox port ${String(header)}; use ${ENVD_PORT} (envd) or ${CODE_INTERPRETER_PORT} (code interpreter)`;
      sendEnvdError(response, 404, message);
      return;
    }
    const { pathname } = new URL(request.url ?? '/', 'http://agent');
    const method = request.method ?? 'GET';
    const requested = pathname.split('/');
    try {
      for (const { route, segments } of compiled) {
        if (route.service !== service || (route.method !== '*' && route.method !== method)) continue;
        const params = matchSegments(segments, requested);
        if (params) return await route.handle(request, response, params);
      }
      answers.notFound(request, response, pathname);
    } catch (error) {
      answers.fail(error, request, response);
    }
  };
}

/** The route's params when every segment matches, else undefined. Decoding may throw (malformed `%`): the route's service answers it. */
function matchSegments(pattern: readonly string[], requested: readonly string[]): RouteParams | undefined {
  if (pattern.length !== requested.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, segment] of pattern.entries()) {
    const value = requested[i] ?? '';
    if (segment.startsWith(':')) {
      if (value === '') return undefined;
      params[segment.slice(1)] = value;
    } else if (segment !== value) return undefined;
  }
  for (const [name, value] of Object.entries(params)) params[name] = decodeURIComponent(value);
  return params;
}
