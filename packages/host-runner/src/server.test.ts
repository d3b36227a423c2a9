import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
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
});
