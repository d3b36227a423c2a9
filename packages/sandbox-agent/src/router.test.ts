import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from './handlers/http-response.js';
import { createRouter, type ServiceAnswers } from './router.js';

/** Answers that say which service answered, so a test sees the routing, not a handler. */
function answersOf(service: string): ServiceAnswers {
  return {
    notFound: (request, response, pathname) => sendJson(response, 404, { service, missing: `${request.method} ${pathname}` }),
    fail: (error, _request, response) => sendJson(response, 500, { service, failed: (error as Error).message }),
  };
}

describe('createRouter', () => {
  let server: Server;
  let url: string;
  const call = async (path: string, init: { method?: string; port?: string } = {}) => {
    const response = await fetch(new URL(path, url), {
      method: init.method ?? 'GET',
      headers: init.port === undefined ? {} : { 'E2b-Sandbox-Port': init.port },
    });
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    const route = createRouter({
      services: { envd: answersOf('envd'), interpreter: answersOf('interpreter') },
      routes: [
        { service: 'envd', method: 'GET', path: '/health', handle: (_q, r) => void r.end('envd health') },
        { service: 'envd', method: 'POST', path: '/files', handle: (_q, r) => void r.end('upload') },
        { service: 'envd', method: '*', path: '/files', handle: (q, r) => void r.end(`any ${q.method}`) },
        { service: 'interpreter', method: 'GET', path: '/health', handle: (_q, r) => void r.end('interpreter health') },
        { service: 'interpreter', method: 'POST', path: '/contexts/:id/restart', handle: (_q, r, p) => void r.end(`restart ${p.id}`) },
        { service: 'interpreter', method: 'DELETE', path: '/contexts/:id', handle: (_q, r, p) => void r.end(`delete ${p.id}`) },
        {
          service: 'interpreter',
          method: 'POST',
          path: '/boom',
          handle: async () => {
            await Promise.resolve();
            throw new Error('kaboom');
          },
        },
      ],
    });
    server = createServer((request, response) => void route(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('picks the service by E2b-Sandbox-Port: absent or 49983 envd, 49999 the interpreter, others 404', async () => {
    expect((await call('/health')).body).toBe('envd health');
    expect((await call('/health', { port: '49983' })).body).toBe('envd health');
    expect((await call('/health', { port: '49999' })).body).toBe('interpreter health');
    const other = await call('/health', { port: '3000' });
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toMatchObject({ code: 404, message: expect.stringContaining('3000') });
  });

  it('takes the first row whose method matches; `*` rows take every method', async () => {
    expect((await call('/files', { method: 'POST' })).body).toBe('upload');
    expect((await call('/files', { method: 'PUT' })).body).toBe('any PUT');
  });

  it('passes `:name` segments decoded, and never matches an empty one or a longer path', async () => {
    expect((await call('/contexts/a%20b/restart', { method: 'POST', port: '49999' })).body).toBe('restart a b');
    expect((await call('/contexts/xyz', { method: 'DELETE', port: '49999' })).body).toBe('delete xyz');
    expect(JSON.parse((await call('/contexts//restart', { method: 'POST', port: '49999' })).body)).toMatchObject({ service: 'interpreter' });
    expect((await call('/contexts/xyz/', { method: 'DELETE', port: '49999' })).status).toBe(404);
  });

  it('answers a miss with the service of the port: another service`s route is not found there', async () => {
    const miss = await call('/contexts/xyz', { method: 'DELETE' });
    expect(miss.status).toBe(404);
    expect(JSON.parse(miss.body)).toEqual({ service: 'envd', missing: 'DELETE /contexts/xyz' });
    const wrongMethod = await call('/health', { method: 'POST', port: '49999' });
    expect(JSON.parse(wrongMethod.body)).toEqual({ service: 'interpreter', missing: 'POST /health' });
  });

  it('matches the path as the URL parser normalises it', async () => {
    // fetch would resolve the dot segment itself; a raw request keeps it.
    const { request } = await import('node:http');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(new URL('/x/../health', url), { method: 'GET', path: '/x/../health' }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('envd health');
  });

  it('hands what a route throws (also asynchronously) and a malformed `%` param to its service', async () => {
    const thrown = await call('/boom', { method: 'POST', port: '49999' });
    expect(thrown.status).toBe(500);
    expect(JSON.parse(thrown.body)).toEqual({ service: 'interpreter', failed: 'kaboom' });
    const malformed = await call('/contexts/%E0%A4%A/restart', { method: 'POST', port: '49999' });
    expect(JSON.parse(malformed.body)).toMatchObject({ service: 'interpreter', failed: expect.stringContaining('URI') });
  });
});

describe('createRouter without a service', () => {
  it('answers its port with 404 saying the service does not run here', async () => {
    const route = createRouter({ services: { envd: answersOf('envd') }, routes: [] });
    const server = createServer((request, response) => void route(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/execute`;
      const response = await fetch(url, { method: 'POST', headers: { 'E2b-Sandbox-Port': '49999' } });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ code: 404, message: expect.stringContaining('code interpreter is not running in this sandbox') });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('createRouter with a user-port relay', () => {
  it('hands every other valid port to it, and refuses a port that is not decimal 1-65535', async () => {
    const relayed: number[] = [];
    const route = createRouter({
      services: { envd: answersOf('envd') },
      routes: [],
      userPorts: (_request, response, port) => {
        relayed.push(port);
        response.end(`relayed ${port}`);
      },
    });
    const server = createServer((request, response) => void route(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const call = (port: string) => fetch(url, { headers: { 'E2b-Sandbox-Port': port } });
      expect(await (await call('8000')).text()).toBe('relayed 8000');
      expect(await (await call('1')).text()).toBe('relayed 1');
      // The agent's own ports are never relayed, even when a service is off.
      expect((await call('49999')).status).toBe(404);
      expect(JSON.parse(await (await call('49983')).text())).toMatchObject({ service: 'envd' });
      for (const port of ['0', '65536', '08000', '0x1f40', '8000.0', '']) expect((await call(port)).status, port).toBe(400);
      expect(relayed).toEqual([8000, 1]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
