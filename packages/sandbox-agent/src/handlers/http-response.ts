import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '@codebox/protocol';
import type { Logger } from 'pino';
import { AgentError, httpStatusOf } from '../errors.js';

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** envd's error answer on its plain HTTP routes: `{"message","code"}` with the HTTP status as code. */
export function sendEnvdError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { message, code: status } satisfies ErrorBody);
}

/** An error thrown while serving envd's plain HTTP routes, as envd answers it (500s logged, details kept in the log). */
export function sendError(response: ServerResponse, error: unknown, logger: Logger): void {
  const status = error instanceof AgentError ? httpStatusOf(error.code) : 500;
  const message = error instanceof AgentError ? error.message : 'internal agent error; see the agent log';
  if (status === 500) logger.error({ err: error }, 'http request failed');
  if (response.headersSent) {
    // Too late for a status: cut the body short so the client sees a broken transfer, not a short file.
    response.destroy(error instanceof Error ? error : undefined);
    return;
  }
  // An upload refused before its body was read: close afterwards rather than leave the
  // client unsure where the next response starts.
  if (response.req && !response.req.complete) response.setHeader('connection', 'close');
  sendEnvdError(response, status, message);
}
