import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-response.js';

/** `GET /health` (204 while the agent serves) and `GET /envs` (the sandbox's env vars). */
export function systemHandler(sandboxEnvs: Readonly<Record<string, string>>) {
  return {
    health(_request: IncomingMessage, response: ServerResponse): void {
      response.writeHead(204).end();
    },
    envs(_request: IncomingMessage, response: ServerResponse): void {
      sendJson(response, 200, sandboxEnvs);
    },
  };
}
