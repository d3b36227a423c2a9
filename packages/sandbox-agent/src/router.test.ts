import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from './router.js';

describe('createRouter', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const route = createRouter({
      envd: (_request, response) => void response.end('envd'),
      interpreter: (_request, response) => void response.end('interpreter'),
    });
    server = createServer((request, response) => void route(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('dispatches on E2b-Sandbox-Port', async () => {
    expect(await (await fetch(url)).text()).toBe('envd');
    expect(await (await fetch(url, { headers: { 'E2b-Sandbox-Port': '49983' } })).text()).toBe('envd');
    expect(await (await fetch(url, { headers: { 'E2b-Sandbox-Port': '49999' } })).text()).toBe('interpreter');
    const other = await fetch(url, { headers: { 'E2b-Sandbox-Port': '3000' } });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ code: 404, message: expect.stringContaining('3000') });
  });
});
