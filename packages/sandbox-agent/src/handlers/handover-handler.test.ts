import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { sendError } from './http-response.js';
import { handoverHandler } from './handover-handler.js';

const logger = pino({ level: 'silent' });
let server: Server | undefined;

afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function serve(): Promise<{ url: string; applied: Array<Record<string, string>> }> {
  const applied: Array<Record<string, string>> = [];
  const handler = handoverHandler({ apply: (envVars) => applied.push(envVars), logger });
  server = createServer((request, response) => {
    handler.init(request, response).catch((error: unknown) => sendError(response, error, logger));
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/init`, applied };
}

const post = (url: string, body: string): Promise<Response> => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('POST /init (a pooled agent\'s hand-over)', () => {
  it('takes the env vars once, then answers as a cold agent does (404)', async () => {
    const { url, applied } = await serve();
    expect((await post(url, JSON.stringify({ envVars: { A: '1' } }))).status).toBe(204);
    expect(applied).toEqual([{ A: '1' }]);
    const again = await post(url, JSON.stringify({ envVars: { A: '2' } }));
    expect(again.status).toBe(404);
    expect(applied).toEqual([{ A: '1' }]);
  });

  it.each(['not json', '{"envVars": {"A": 1}}', '{"envVars": {}, "extra": true}', '{}'])('refuses %j without using up the hand-over', async (body) => {
    const { url, applied } = await serve();
    expect((await post(url, body)).status).toBe(400);
    expect(applied).toEqual([]);
    expect((await post(url, '{"envVars": {}}')).status).toBe(204);
  });
});
