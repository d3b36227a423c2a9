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

async function serve(ready: () => Promise<void> = async () => undefined): Promise<{ url: string; applied: Array<Record<string, string>> }> {
  const applied: Array<Record<string, string>> = [];
  const handler = handoverHandler({ apply: (envVars) => applied.push(envVars), ready, logger });
  server = createServer((request, response) => {
    const handle = request.method === 'GET' ? handler.warm : handler.init;
    handle(request, response).catch((error: unknown) => sendError(response, error, logger));
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

describe('GET /init (the runner waits for a pooled sandbox to be warm)', () => {
  it('answers once the sandbox is warm, and 404 after the hand-over', async () => {
    let warm: (() => void) | undefined;
    const { url } = await serve(() => new Promise<void>((resolve) => (warm = resolve)));
    let answered = false;
    const waiting = fetch(url).then((res) => {
      answered = true;
      return res.status;
    });
    // Asked, and not answered while the kernel is not up.
    await expect.poll(() => warm).toBeDefined();
    expect(answered).toBe(false);
    warm?.();
    expect(await waiting).toBe(204);
    expect((await post(url, '{"envVars": {}}')).status).toBe(204);
    expect((await fetch(url)).status).toBe(404);
  });

  it('answers 503 with the reason when warming up failed', async () => {
    const { url } = await serve(() => Promise.reject(new Error('python3 missing')));
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('python3 missing');
  });
});
