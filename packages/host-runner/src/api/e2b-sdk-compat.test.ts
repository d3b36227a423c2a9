import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuthenticationError, Sandbox, SandboxError, SandboxNotFoundError } from 'e2b';
import { ENVD_VERSION } from '@codebox/protocol';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { RunnerServer } from '../server.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';

/**
 * The official `e2b` SDK, configured only through its environment variables, against a real
 * runner server (control plane + gateway) whose backend is the in-memory double. Proves the
 * REST field names, status codes and headers are what the SDK expects.
 */

const API_KEY = 'e2b_0123456789abcdef0123456789abcdef01234567';
let dir: string;
let runner: RunnerServer;
let agent: Server;
const saved = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-sdk-'));
  // A stand-in agent: enough for the SDK's liveness probe through the gateway.
  agent = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 204 : 404);
    res.end();
  });
  agent.listen(join(dir, 'agent.sock'));
  await once(agent, 'listening');

  const backend = new InMemoryBackend();
  backend.agentSocketPath = join(dir, 'agent.sock');
  const config = parseConfig({ host: '127.0.0.1', port: 0, apiKeys: [API_KEY], dataDir: dir });
  runner = await RunnerServer.start({ config, backend, templates: new InMemoryTemplateCatalog(), logger: pino({ level: 'silent' }) });
  process.env.E2B_API_URL = runner.url;
  process.env.E2B_SANDBOX_URL = runner.url;
  process.env.E2B_API_KEY = API_KEY;
});

afterAll(async () => {
  process.env = saved;
  await runner.close({ graceMs: 1_000 });
  agent.close();
  await rm(dir, { recursive: true, force: true });
});

describe('official e2b SDK against the runner', () => {
  it('creates, inspects, re-times, lists, connects to and kills a sandbox', async () => {
    const sandbox = await Sandbox.create('base', { metadata: { suite: 'sdk', run: '1' }, timeoutMs: 60_000 });
    expect(sandbox.sandboxId).toMatch(/^[a-z0-9]{20}$/);
    expect(await sandbox.isRunning()).toBe(true);

    const info = await Sandbox.getInfo(sandbox.sandboxId);
    expect(info).toMatchObject({
      sandboxId: sandbox.sandboxId,
      templateId: 'base',
      metadata: { suite: 'sdk', run: '1' },
      state: 'running',
      cpuCount: 1,
      memoryMB: 512,
      envdVersion: ENVD_VERSION,
      allowInternetAccess: true,
    });
    expect(info.endAt.getTime() - info.startedAt.getTime()).toBe(60_000);

    const before = Date.now();
    await Sandbox.setTimeout(sandbox.sandboxId, 120_000);
    const retimed = await Sandbox.getInfo(sandbox.sandboxId);
    expect(retimed.endAt.getTime()).toBeGreaterThanOrEqual(before + 120_000 - 1_000);

    const other = await Sandbox.create('base', { metadata: { suite: 'sdk', run: '2' } });
    const matching = await Sandbox.list({ query: { metadata: { suite: 'sdk', run: '1' } } }).nextItems();
    expect(matching.map((s) => s.sandboxId)).toEqual([sandbox.sandboxId]);

    const paginator = Sandbox.list({ limit: 1, query: { state: ['running'] } });
    const pages: string[][] = [];
    while (paginator.hasNext) pages.push((await paginator.nextItems()).map((s) => s.sandboxId));
    expect(pages).toHaveLength(2);
    expect(pages.flat().sort()).toEqual([sandbox.sandboxId, other.sandboxId].sort());

    const connected = await Sandbox.connect(sandbox.sandboxId);
    expect(connected.sandboxId).toBe(sandbox.sandboxId);

    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(true);
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(false);
    await expect(Sandbox.getInfo(sandbox.sandboxId)).rejects.toBeInstanceOf(SandboxNotFoundError);
    expect(await sandbox.isRunning()).toBe(false);
    await other.kill();
  });

  it('surfaces a wrong API key as AuthenticationError', async () => {
    await expect(Sandbox.create('base', { apiKey: 'e2b_ffff' })).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('surfaces an unknown template as a 404 naming the templates', async () => {
    // The SDK maps a create 404 to a plain SandboxError "404: <message>", as against E2B.
    const error = await Sandbox.create('no-such-template').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SandboxError);
    expect((error as Error).message).toMatch(/^404: Template "no-such-template" does not exist.*code-interpreter-v1/);
  });
});
