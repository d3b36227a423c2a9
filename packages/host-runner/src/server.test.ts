import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY_PATTERN } from '@codebox/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tenantIdForKey } from './api/api-keys.js';
import { parseConfig } from './config.js';
import { RunnerServer } from './server.js';
import { InMemoryBackend } from './sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from './sandboxes/testing/in-memory-template-catalog.js';

const logger = pino({ level: 'silent' });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-server-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function start(backend = new InMemoryBackend(), apiKeys: string[] = []) {
  return RunnerServer.start({ config: parseConfig({ port: 0, apiKeys, dataDir: dir }), backend, templates: new InMemoryTemplateCatalog(), logger });
}

describe('RunnerServer', () => {
  it('generates a development key when none is configured and keeps it across restarts', async () => {
    const first = await start();
    const key = first.devApiKey;
    expect(key).toMatch(API_KEY_PATTERN);
    const response = await fetch(`${first.url}/v2/sandboxes`, { headers: { 'X-API-KEY': key ?? '' } });
    expect(response.status).toBe(200);
    await first.close();

    const file = join(dir, 'dev-api-key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(key);
    const second = await start();
    expect(second.devApiKey).toBe(key);
    await second.close();

    const configured = await start(new InMemoryBackend(), ['e2b_12']);
    expect(configured.devApiKey).toBeUndefined();
    await configured.close();
  });

  it('routes by E2b-Sandbox-Id, finishes in-flight requests on close and leaves sandboxes running', async () => {
    const agent: Server = createServer((_req, res) => {
      res.writeHead(200);
      res.write('started;');
      setTimeout(() => res.end('finished'), 300);
    });
    agent.listen(join(dir, 'agent.sock'));
    await once(agent, 'listening');
    const backend = new InMemoryBackend();
    backend.agentSocketPath = join(dir, 'agent.sock');
    const runner = await start(backend, ['e2b_12']);
    const { sandboxId, accessToken } = await runner.manager.create({ tenant: tenantIdForKey('e2b_12'), templateId: 'base' });

    const response = await fetch(`${runner.url}/execute`, {
      method: 'POST',
      headers: { 'E2b-Sandbox-Id': sandboxId, 'E2b-Sandbox-Port': '49999', 'X-Access-Token': accessToken ?? '' },
    });
    expect(response.status).toBe(200);
    const closing = runner.close({ graceMs: 5_000 });
    expect(await response.text()).toBe('started;finished');
    await closing;

    await expect(fetch(`${runner.url}/v2/sandboxes`)).rejects.toThrow();
    expect(backend.destroyed).toEqual([]);
    expect(backend.sandboxes.has(sandboxId)).toBe(true);
    agent.close();
  });

  it('answers create with its domain, routes <port>-<id>.<domain> and ends open WebSockets when its close grace runs out', async () => {
    const agent: Server = createServer((req, res) => res.end(`port ${String(req.headers['e2b-sandbox-port'])}`));
    agent.on('upgrade', (_req, socket: Duplex) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n');
      socket.on('error', () => socket.destroy());
    });
    agent.listen(join(dir, 'agent.sock'));
    await once(agent, 'listening');
    const backend = new InMemoryBackend();
    backend.agentSocketPath = join(dir, 'agent.sock');
    const runner = await start(backend, ['e2b_12']);
    const port = new URL(runner.url).port;
    const created = await fetch(`${runner.url}/sandboxes`, { method: 'POST', headers: { 'X-API-KEY': 'e2b_12', 'content-type': 'application/json' }, body: JSON.stringify({ templateID: 'base' }) });
    const { sandboxID, domain } = (await created.json()) as { sandboxID: string; domain: string };
    expect(domain).toBe(`localhost:${port}`);

    const viaHost = await new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', headers: { host: `8000-${sandboxID}.${domain}` } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve(text));
      })
        .on('error', reject)
        .end();
    });
    expect(viaHost).toBe('port 8000');

    const tunnel = await new Promise<Socket>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', headers: { host: `8000-${sandboxID}.${domain}`, connection: 'Upgrade', upgrade: 'test' } })
        .on('upgrade', (_res, socket: Socket) => resolve(socket))
        .on('error', reject)
        .end();
    });
    const ended = new Promise<void>((resolve) => tunnel.once('close', () => resolve()));
    tunnel.on('error', () => undefined);
    // Without closeTunnels the server's close would wait on the upgraded socket for ever.
    await runner.close({ graceMs: 100 });
    await ended;
    agent.closeAllConnections();
    agent.close();
  });
});
