import type { IncomingMessage, ServerResponse } from 'node:http';
import { CONTEXT_LIMIT_STATUS, createContextRequestSchema, executeRequestSchema, TurnCork } from '@codebox/protocol';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AgentError, InvalidArgumentError, httpStatusOf } from '../errors.js';
import { ContextLimitError } from '../interpreter/context-limit.js';
import { ExecutionStream } from '../interpreter/execution-stream.js';
import type { InterpreterService } from '../interpreter/interpreter-service.js';
import { KernelError } from '../interpreter/kernels/kernel-errors.js';
import type { RouteParams, ServiceAnswers } from '../router.js';
import { sendJson } from './http-response.js';
import { readJsonBody } from './read-json-body.js';

/** Largest request body accepted (code is sent inline). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * How long `/execute`'s headers wait for the first output. The SDKs only need them before their
 * request timeout (seconds); a cell that answers within this sends them with its lines.
 */
const HEADER_HOLD_MS = 20;

export interface InterpreterHandlerOptions {
  readonly service: InterpreterService;
  readonly logger: Logger;
  readonly outputLimitBytes?: number;
  readonly keepaliveMs?: number;
}

/**
 * The code interpreter's HTTP surface (sandbox port 49999), as E2B's server answers it:
 * `POST /execute` (NDJSON stream), `GET|POST /contexts`, `POST /contexts/{id}/restart`,
 * `DELETE /contexts/{id}`, `GET /health`. Errors are plain text with the status, as there.
 * The routes are in `routes.ts`.
 */
export function interpreterHandler(options: InterpreterHandlerOptions) {
  const { service, logger } = options;

  const execute = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = parseBody(executeRequestSchema, await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, what: 'request body', empty: {} }));
    const envVars = body.env_vars ?? {};
    if (body.code.includes('\0')) throw new InvalidArgumentError('code contains a NUL byte; remove it');
    for (const [name, value] of Object.entries(envVars)) {
      if (!ENV_NAME.test(name)) throw new InvalidArgumentError(`env_vars name '${name}' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`);
      if (value.includes('\0')) throw new InvalidArgumentError(`env_vars.${name} contains a NUL byte; remove it`);
    }
    const context = service.select({ contextId: body.context_id, language: body.language });

    const abort = new AbortController();
    // The headers wait a moment for the first lines, and the lines of one turn (a result, the
    // count, the end) leave together: a short execution is one write, not five.
    const cork = new TurnCork(response.socket);
    cork.holdHeaders(HEADER_HOLD_MS);
    response.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    response.flushHeaders();
    const stream = new ExecutionStream({
      write: (line) => {
        cork.beforeWrite();
        response.write(line);
      },
      onLimit: () => abort.abort(),
      framing: context.kernel.outputFraming ?? 'lines',
      ...(options.outputLimitBytes === undefined ? {} : { outputLimitBytes: options.outputLimitBytes }),
      ...(options.keepaliveMs === undefined ? {} : { keepaliveMs: options.keepaliveMs }),
    });
    // The client went away (its timeout fired or it disconnected): interrupt, keep the state.
    const onClose = (): void => {
      stream.close();
      if (!response.writableFinished) abort.abort();
    };
    response.once('close', onClose);

    let executionCount: number | undefined;
    try {
      ({ executionCount } = await context.execute({ code: body.code, envVars, signal: abort.signal }, stream));
    } catch (error) {
      // A dead, unstartable or given-up kernel is this execution's error, not the request's.
      stream.error({ name: (error as Error).name || 'Error', value: (error as Error).message, traceback: '' });
      const expected = abort.signal.aborted || error instanceof KernelError || error instanceof AgentError;
      if (!expected) logger.error({ err: error }, 'execution failed');
    }
    stream.end(executionCount);
    response.off('close', onClose);
    response.end();
    cork.close();
  };

  const answers: ServiceAnswers = {
    notFound(request, response, pathname) {
      sendText(response, 404, `no route ${request.method ?? 'GET'} ${pathname} in the code interpreter`);
    },
    fail(error, request, response) {
      if (error instanceof ContextLimitError && !response.headersSent) {
        sendText(response, CONTEXT_LIMIT_STATUS, error.message, error.reasonPhrase);
        return;
      }
      const status = error instanceof AgentError ? httpStatusOf(error.code) : 500;
      if (status === 500) logger.error({ err: error }, 'code interpreter request failed');
      if (response.headersSent) {
        response.destroy();
        return;
      }
      // A body refused before it was all read (too large): close afterwards, so the rest is not read as the next request.
      if (!request.complete) response.setHeader('connection', 'close');
      sendText(response, status, status === 500 ? 'internal code interpreter error; see the agent log' : (error as Error).message);
    },
  };

  return {
    answers,
    health(_request: IncomingMessage, response: ServerResponse): void {
      sendJson(response, 200, 'OK');
    },
    execute,
    listContexts(_request: IncomingMessage, response: ServerResponse): void {
      sendJson(response, 200, service.list());
    },
    async createContext(request: IncomingMessage, response: ServerResponse): Promise<void> {
      const body = parseBody(createContextRequestSchema, await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, what: 'request body', empty: {} }));
      sendJson(response, 200, service.create(body));
    },
    async restartContext(_request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
      await service.restart(params.id ?? '');
      sendJson(response, 200, null);
    },
    async deleteContext(_request: IncomingMessage, response: ServerResponse, params: RouteParams): Promise<void> {
      await service.remove(params.id ?? '');
      sendJson(response, 200, null);
    },
  };
}

function parseBody<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new InvalidArgumentError(`invalid request: ${where}: ${issue?.message ?? 'does not match the schema'}`);
  }
  return parsed.data;
}

function sendText(response: ServerResponse, status: number, text: string, reason?: string): void {
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) };
  if (reason === undefined) response.writeHead(status, headers);
  else response.writeHead(status, reason, headers);
  response.end(text);
}
