// The HTTP endpoint's edge, without a runner (no tool is called, so no sandbox is made): the
// token, the path, requests outside a session, and a session's end by DELETE.
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMcpConfig } from './mcp-config.js';
import { serveHttp, type HttpMcpServer } from './serve-http.js';

const TOKEN = 'unit-test-token';
const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
let server: HttpMcpServer;

beforeAll(async () => {
  server = await serveHttp(loadMcpConfig({ http: true, port: '0', token: TOKEN, apiUrl: 'http://127.0.0.1:9', apiKey: 'e2b_unused' }, {}));
});
afterAll(async () => {
  await server?.close();
});

function post(body: unknown, headers: Record<string, string> = {}, url = server.url): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
}

/** An initialize with a `Host` header of our choosing (fetch does not let a caller set it). */
function statusWithHost(host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(server.url, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${TOKEN}` },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end(JSON.stringify(INITIALIZE));
  });
}

describe('serveHttp', () => {
  it('refuses requests without the token, off the endpoint, outside a session or in an unknown one', async () => {
    const noToken = await post(INITIALIZE, { authorization: 'Bearer wrong' });
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer');
    expect((await post(INITIALIZE, {}, server.url.replace('/mcp', '/other'))).status).toBe(404);
    expect((await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' })).status).toBe(400);
    const unknown = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { message: expect.stringMatching(/^Session not found/) } });
    expect(server.sessionCount()).toBe(0);
  });

  it('keeps a session from initialize to DELETE; a host header naming another site is refused', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${TOKEN}` } } });
    const client = new Client({ name: 'unit', version: '0' });
    await client.connect(transport);
    expect(server.sessionCount()).toBe(1);
    expect((await client.listTools()).tools).toHaveLength(4);
    await transport.terminateSession();
    await client.close();
    expect(server.sessionCount()).toBe(0);

    expect(await statusWithHost('attacker.example')).toBe(403);
    expect(server.sessionCount()).toBe(0);
  });
});
