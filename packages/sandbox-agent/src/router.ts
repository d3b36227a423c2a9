import type { IncomingMessage, ServerResponse } from 'node:http';
import { CODE_INTERPRETER_PORT, ENVD_PORT, HEADERS } from '@codebox/protocol';
import { sendJson } from './handlers/http-response.js';

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export interface ServiceRoutes {
  /** envd: Connect-RPC process/filesystem plus /files, /health, /envs. */
  readonly envd: RequestHandler;
  /** The code interpreter (`/execute`, `/contexts`); absent until that service exists. */
  readonly interpreter?: RequestHandler;
}

/**
 * Picks the in-sandbox service by `E2b-Sandbox-Port`, the header the SDKs and the runner's
 * gateway send: absent or 49983 is envd, 49999 the code interpreter.
 */
export function createRouter(routes: ServiceRoutes): RequestHandler {
  return (request, response) => {
    const header = request.headers[HEADERS.sandboxPort];
    const port = header === undefined ? ENVD_PORT : Number(Array.isArray(header) ? header[0] : header);
    if (port === ENVD_PORT) return routes.envd(request, response);
    if (port === CODE_INTERPRETER_PORT && routes.interpreter) return routes.interpreter(request, response);
    const message =
      port === CODE_INTERPRETER_PORT
        ? 'the code interpreter is not available in this sandbox yet'
        : `nothing listens on sandbox port ${String(header)}; use ${ENVD_PORT} (envd) or ${CODE_INTERPRETER_PORT} (code interpreter)`;
    sendJson(response, 404, { message, code: 404 });
  };
}
