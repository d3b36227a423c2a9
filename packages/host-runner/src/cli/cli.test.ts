import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { tenantIdForKey } from '../api/api-keys.js';
import { main } from './cli.js';
import { parseConfig } from '../config.js';
import { RunnerServer } from '../server.js';
import { InMemoryBackend } from '../sandboxes/testing/in-memory-backend.js';
import { InMemoryTemplateCatalog } from '../sandboxes/testing/in-memory-template-catalog.js';

const API_KEY = 'e2b_c0ffee0000000000000000000000000000000000';
let dir: string;
let runner: RunnerServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-cli-'));
  const config = parseConfig({ port: 0, apiKeys: [API_KEY], dataDir: dir });
  runner = await RunnerServer.start({ config, backend: new InMemoryBackend(), templates: new InMemoryTemplateCatalog(), logger: pino({ level: 'silent' }) });
  for (const name of ['CODEBOX_API_KEY', 'E2B_API_KEY', 'CODEBOX_API_URL', 'E2B_API_URL']) vi.stubEnv(name, undefined);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await runner.close({ graceMs: 1_000 });
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const code = await main(['node', 'codebox', ...args]);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

describe('codebox CLI', () => {
  it('lists and kills sandboxes over HTTP, with meaningful exit codes', async () => {
    const client = ['--api-url', runner.url, '--api-key', API_KEY];
    const record = await runner.manager.create({ tenant: tenantIdForKey(API_KEY), templateId: 'base', metadata: { who: 'cli' } });

    const listed = await run('sandbox', 'list', ...client);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^SANDBOX ID\s+TEMPLATE\s+RUNTIME\s+STARTED\s+ENDS\s+METADATA/);
    expect(listed.stdout).toContain(record.sandboxId);
    expect(listed.stdout).toContain('{"who":"cli"}');

    const json = await run('sandbox', 'list', '--json', ...client);
    expect(JSON.parse(json.stdout)).toMatchObject([{ sandboxID: record.sandboxId, templateID: 'base' }]);

    expect(await run('sandbox', 'kill', record.sandboxId, ...client)).toMatchObject({ code: 0, stdout: `Killed ${record.sandboxId}\n` });
    const again = await run('sandbox', 'kill', record.sandboxId, ...client);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/^codebox: Sandbox ".*" was not found/);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);

    expect((await run('sandbox', 'list', ...client)).stdout).toBe('No running sandboxes.\n');
  });

  it('fails clearly without a key, with a wrong key, or when the runner is unreachable', async () => {
    expect(await run('sandbox', 'list', '--api-url', runner.url)).toMatchObject({ code: 2, stderr: expect.stringMatching(/^codebox: No API key/) });
    expect(await run('sandbox', 'list', '--api-url', runner.url, '--api-key', 'e2b_0bad')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^codebox: Invalid API key/),
    });
    expect(await run('sandbox', 'list', '--api-url', 'http://127.0.0.1:1', '--api-key', API_KEY)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^codebox: Cannot reach the runner at http:\/\/127\.0\.0\.1:1/),
    });
  });

  it('answers --help with 0 and usage errors with 2', async () => {
    expect((await run('--help')).code).toBe(0);
    expect((await run('sandbox', 'kill')).code).toBe(2);
    expect((await run('serve', '--port', 'x')).code).toBe(2);
    const badPool = await run('serve', '--pool', 'base');
    expect(badPool.code).toBe(2);
    expect(badPool.stderr).toMatch(/template=size/);
    const mcpHelp = await run('mcp', '--help');
    expect(mcpHelp.code).toBe(0);
    expect(mcpHelp.stdout).toContain('"command": "npx", "args": ["codebox", "mcp"]');
  });

  it('exits 2 with one line for an mcp setting it cannot use, before serving anything', async () => {
    expect(await run('mcp', '--http', '--host', '0.0.0.0')).toMatchObject({ code: 2, stderr: expect.stringMatching(/^codebox: Serving MCP on 0\.0\.0\.0 \(not loopback\) needs a bearer token/) });
    expect(await run('mcp', '--idle-timeout', 'soon')).toMatchObject({ code: 2, stderr: 'codebox: --idle-timeout must be a number of at least 0, got "soon".\n' });
  });
});

describe('codebox CLI usage errors', () => {
  it('exits 2 with one line for a bad template name or a bad config', async () => {
    const badName = await run('template', 'build', '-f', 'Dockerfile', '-n', 'Bad Name', '--data-dir', dir);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/^codebox: Template name "Bad Name" is invalid/);
    vi.stubEnv('CODEBOX_PORT', 'many');
    const badConfig = await run('template', 'list', '--data-dir', dir);
    vi.stubEnv('CODEBOX_PORT', undefined);
    expect(badConfig).toMatchObject({ code: 2, stderr: 'codebox: CODEBOX_PORT="many" is not a number.\n' });
  });

  it('exits 2 with one line when the TLS certificate cannot be read, before touching Docker', async () => {
    const missing = join(dir, 'missing.pem');
    const badTls = await run('serve', '--tls-cert', missing, '--tls-key', missing, '--data-dir', dir);
    expect(badTls).toMatchObject({ code: 2, stderr: expect.stringMatching(/^codebox: Cannot read the TLS certificate \(tls.certFile\) .*missing\.pem: ENOENT.*\n$/) });
    expect(badTls.stderr.trim().split('\n')).toHaveLength(1);
  });
});
