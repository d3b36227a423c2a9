import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { InvalidArgumentError } from '../errors.js';
import { sendEnvdError } from './http-response.js';
import { readJsonBody } from './read-json-body.js';

/** What the runner sends when it hands a pooled sandbox to its owner. */
const handoverSchema = z.strictObject({ envVars: z.record(z.string(), z.string()) });

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `POST /init`, served only by an agent started pooled (`CODEBOX_POOLED=1`), and only once: the
 * runner's hand-over of a warm sandbox to its owner sets the env vars a cold sandbox gets from
 * `CODEBOX_SANDBOX_ENVS`. No caller reaches a pooled agent before the runner has done this (the
 * gateway knows no pooled sandbox), and afterwards the route answers as a cold agent does (404),
 * so an owner can never change the environment behind the runner's back.
 *
 * `GET /init`, before the hand-over only: answers 204 once the sandbox is warm (`ready`: the
 * default Python kernel started), so the runner counts a pooled container ready only then and a
 * create's first runCode never waits for a kernel start; 503 when warming up failed.
 */
export function handoverHandler(deps: {
  readonly apply: (envVars: Record<string, string>) => void;
  readonly ready: () => Promise<void>;
  readonly logger: Logger;
}) {
  let done = false;
  return {
    async warm(_request: IncomingMessage, response: ServerResponse): Promise<void> {
      if (done) {
        sendEnvdError(response, 404, 'no route GET /init in envd');
        return;
      }
      try {
        await deps.ready();
      } catch (error) {
        sendEnvdError(response, 503, `the pooled sandbox did not warm up: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      response.writeHead(204).end();
    },
    async init(request: IncomingMessage, response: ServerResponse): Promise<void> {
      if (done) {
        sendEnvdError(response, 404, 'no route POST /init in envd');
        return;
      }
      const parsed = handoverSchema.safeParse(await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, what: 'hand-over body' }));
      if (!parsed.success) throw new InvalidArgumentError(`invalid hand-over: ${parsed.error.issues[0]?.message ?? 'does not match the schema'}`);
      done = true;
      deps.apply(parsed.data.envVars);
      deps.logger.info({ envVars: Object.keys(parsed.data.envVars).length }, 'pooled sandbox handed over');
      response.writeHead(204).end();
    },
  };
}
