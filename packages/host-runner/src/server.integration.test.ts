import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sandbox } from 'e2b';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantIdForKey } from './api/api-keys.js';
import { parseConfig, type RunnerConfig } from './config.js';
import { DockerBackend } from './docker/docker-backend.js';
import { DockerImageBackend } from './docker/docker-image-backend.js';
import { RunnerServer } from './server.js';
import { TemplateStore } from './templates/template-store.js';

/**
 * The runner as shipped (control plane, gateway, lifecycle) over the real Docker backend and
 * templates, driven by the official `e2b` SDK: streaming through the gateway, expiry, and
 * re-adoption across a runner restart.
 */

const API_KEY = `e2b_${randomBytes(20).toString('hex')}`;
const logger = pino({ level: 'warn' });
let dataDir: string;
let config: RunnerConfig;
let templates: TemplateStore;
let runner: RunnerServer;
const saved = { ...process.env };

function startRunner(port: number): Promise<RunnerServer> {
  const backend = new DockerBackend({ runnerName: config.runnerName, dataDir, logger });
  return RunnerServer.start({ config: { ...config, port }, backend, templates, logger });
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebox-runner-it-'));
  config = parseConfig({ port: 0, apiKeys: [API_KEY], pool: {}, dataDir, runnerName: `it-api-${randomBytes(3).toString('hex')}` });
  templates = new TemplateStore({ dataDir, logger, images: new DockerImageBackend() });
  await templates.ensureDefaultTemplates();
  runner = await startRunner(0);
  process.env.E2B_API_URL = runner.url;
  process.env.E2B_SANDBOX_URL = runner.url;
  process.env.E2B_API_KEY = API_KEY;
});

afterAll(async () => {
  if (runner) {
    // Leave no containers behind, whatever a failed test left running.
    for (const sandbox of runner.manager.list(tenantIdForKey(API_KEY))) await runner.manager.kill(sandbox.tenant, sandbox.sandboxId).catch(() => undefined);
    await runner.close({ graceMs: 1_000 });
  }
  process.env = saved;
  await templates?.releasePins();
  await rm(dataDir, { recursive: true, force: true });
});

describe('runner with the Docker backend', () => {
  it('streams command output through the gateway as it is produced', async () => {
    const sandbox = await Sandbox.create('base', { timeoutMs: 60_000 });
    const arrivals: number[] = [];
    const started = Date.now();
    const result = await sandbox.commands.run('for i in 1 2 3; do echo $i; sleep 0.3; done', {
      onStdout: () => {
        arrivals.push(Date.now() - started);
      },
    });
    expect(result.stdout).toBe('1\n2\n3\n');
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    // The first line arrives while the command still sleeps, not at its end (~0.9 s).
    expect(arrivals[0]).toBeLessThan(500);
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(true);
    expect(await sandbox.isRunning()).toBe(false);
  });

  it('removes an expired sandbox within 1 s of its deadline', async () => {
    const sandbox = await Sandbox.create('base', { timeoutMs: 2_000 });
    const { endAt } = await Sandbox.getInfo(sandbox.sandboxId);
    while (await sandbox.isRunning()) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Date.now() - endAt.getTime()).toBeLessThan(1_000);
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(false);
  });

  it('re-adopts a running sandbox after a runner restart', async () => {
    const sandbox = await Sandbox.create('base', { timeoutMs: 120_000, metadata: { restart: 'yes' } });
    await sandbox.files.write('/home/user/kept.txt', 'still here');
    const port = Number(new URL(runner.url).port);
    await runner.close({ graceMs: 1_000 });
    runner = await startRunner(port);

    const again = await Sandbox.connect(sandbox.sandboxId);
    expect(await again.files.read('/home/user/kept.txt')).toBe('still here');
    const listed = await Sandbox.list({ query: { metadata: { restart: 'yes' } } }).nextItems();
    expect(listed.map((s) => s.sandboxId)).toEqual([sandbox.sandboxId]);
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(true);
  });
});
