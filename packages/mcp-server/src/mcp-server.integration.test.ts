// The MCP server against a real runner, driven by the official MCP client over both transports:
// Streamable HTTP in this process (serveHttp), stdio through `codebox mcp` as a child. Each
// transport runs the same host's session (tools, progress, a chart, a cancel, resources) in a
// code-interpreter sandbox; two more sessions show two sessions get two sandboxes and DELETE kills
// one; two `base` sandboxes serve the clients that go away without a word (idle HTTP, crashed stdio).
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useRunner } from '../../../test/support/use-runner.js';
import { loadMcpConfig } from './mcp-config.js';
import { serveHttp, type HttpMcpServer } from './serve-http.js';

const runner = useRunner();
const CLI = resolve(import.meta.dirname, '../../host-runner/bin/codebox.js');
const STDIO_HOST = resolve(import.meta.dirname, 'testing/stdio-host.ts');

type Content = { type: string; text?: string; data?: string; mimeType?: string }[];
const textOf = (result: object): string => ((result as { content?: Content }).content ?? []).find((c) => c.type === 'text')?.text ?? '';

async function httpClient(server: HttpMcpServer): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(server.url));
  const client = new Client({ name: 'integration', version: '0' });
  await client.connect(transport);
  return { client, transport };
}

/**
 * What a host does with the tools, the same over either transport: list them, run code with its
 * output streamed as progress, get a chart back as an image, cancel an endless run and find the
 * kernel's state kept, read a written file as a resource, and get bad input back as an error result.
 */
async function exerciseTools(client: Client): Promise<void> {
  expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['run_code', 'run_command', 'read_file', 'write_file']);

  const events: string[] = [];
  const counted = await client.callTool(
    { name: 'run_code', arguments: { code: 'import time\nx = 41\nfor i in range(3):\n    print("tick", i, flush=True)\n    time.sleep(0.2)' } },
    undefined,
    { onprogress: (p) => events.push(`progress ${p.message ?? ''}`) },
  );
  events.push('result');
  expect(textOf(counted)).toBe('stdout:\ntick 0\ntick 1\ntick 2');
  expect(events[0]).toMatch(/^progress tick 0/);
  expect(events.at(-1)).toBe('result');

  const chart = await client.callTool({ name: 'run_code', arguments: { code: 'import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()' } });
  const image = (chart.content as Content).find((c) => c.type === 'image');
  expect(image?.mimeType).toBe('image/png');
  expect(Buffer.from(image?.data ?? '', 'base64').subarray(1, 4).toString()).toBe('PNG');

  const controller = new AbortController();
  const progress: string[] = [];
  const endless = client.callTool(
    { name: 'run_code', arguments: { code: 'import time\nprint("started", flush=True)\nwhile True:\n    time.sleep(0.1)' } },
    undefined,
    { signal: controller.signal, onprogress: (p) => void progress.push(p.message ?? '') },
  );
  await vi.waitFor(() => expect(progress.join('')).toContain('started'), { timeout: 30_000 });
  controller.abort(new Error('stop it'));
  await expect(endless).rejects.toThrow('stop it');
  // Interrupted, not restarted: the variable of the first run is still there.
  expect(textOf(await client.callTool({ name: 'run_code', arguments: { code: 'x + 1' } }))).toBe('result: 42');

  await client.callTool({ name: 'write_file', arguments: { path: 'notes.txt', content: 'from mcp\n' } });
  const { resources } = await client.listResources();
  expect(resources.map((r) => r.uri)).toContain('sandbox://files/home/user/notes.txt');
  expect((await client.readResource({ uri: 'sandbox://files/home/user/notes.txt' })).contents).toEqual([
    { uri: 'sandbox://files/home/user/notes.txt', mimeType: 'text/plain', text: 'from mcp\n' },
  ]);
  // Bad input is a result the model reads; the session goes on.
  const bad = await client.callTool({ name: 'run_code', arguments: { code: 'print(1)', language: 'cobol' } });
  expect(bad.isError).toBe(true);
  expect(textOf(await client.callTool({ name: 'run_command', arguments: { command: 'cat notes.txt' } }))).toBe('stdout: from mcp');
}

function serve(flags: Record<string, string>): Promise<HttpMcpServer> {
  return serveHttp(loadMcpConfig({ http: true, port: '0', apiUrl: runner().url, apiKey: runner().keys[0], ...flags }, {}));
}

describe('codebox MCP over Streamable HTTP', () => {
  let server: HttpMcpServer;
  beforeAll(async () => {
    server = await serve({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists the tools, streams output as progress, returns a chart as an image, cancels a run (the kernel survives), serves files', async () => {
    const { client, transport } = await httpClient(server);
    await exerciseTools(client);
    await transport.terminateSession();
    await client.close();
    await expect.poll(() => runner().containerIds().length, { timeout: 15_000 }).toBe(0);
  });

  it('gives two sessions two sandboxes, and deleting a session kills its sandbox', async () => {
    const before = runner().containerIds().length;
    const a = await httpClient(server);
    const b = await httpClient(server);
    await a.client.callTool({ name: 'run_command', arguments: { command: 'echo a > /home/user/who' } });
    await b.client.callTool({ name: 'run_command', arguments: { command: 'echo b > /home/user/who' } });
    expect(textOf(await a.client.callTool({ name: 'read_file', arguments: { path: 'who' } }))).toBe('a\n');
    expect(textOf(await b.client.callTool({ name: 'read_file', arguments: { path: 'who' } }))).toBe('b\n');
    expect(runner().containerIds()).toHaveLength(before + 2);

    await b.transport.terminateSession();
    await b.client.close();
    await expect.poll(() => runner().containerIds().length, { timeout: 15_000 }).toBe(before + 1);
    expect(server.sessionCount()).toBe(1);
    await a.transport.terminateSession();
    await a.client.close();
    await expect.poll(() => runner().containerIds().length, { timeout: 15_000 }).toBe(before);
  });
});

describe('codebox MCP over stdio', () => {
  it('does the same through `codebox mcp` as a child; closing the client ends the session and kills its sandbox', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp'],
      env: { PATH: process.env.PATH ?? '', CODEBOX_API_URL: runner().url, CODEBOX_API_KEY: runner().keys[0] },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'integration', version: '0' });
    await client.connect(transport);
    const before = runner().containerIds().length;
    await exerciseTools(client);
    expect(runner().containerIds()).toHaveLength(before + 1);
    await client.close();
    await expect.poll(() => runner().containerIds().length, { timeout: 15_000 }).toBe(before);
  });
});

describe('a client that goes away without ending its session leaves no container', () => {
  it('HTTP: the session idles out (no DELETE) and its sandbox is killed', async () => {
    const before = runner().containerIds().length;
    const server = await serve({ template: 'base', idleTimeout: '1' });
    try {
      const { client } = await httpClient(server);
      expect(textOf(await client.callTool({ name: 'run_command', arguments: { command: 'echo hi' } }))).toBe('stdout: hi');
      expect(runner().containerIds()).toHaveLength(before + 1);
      // Closing the client drops its connections without deleting the session, as a crash would.
      await client.close();
      await expect.poll(() => runner().containerIds().length, { timeout: 20_000 }).toBe(before);
      expect(server.sessionCount()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it("stdio: when the host dies, `codebox mcp` kills the session's sandbox and exits", async () => {
    const before = runner().containerIds().length;
    const host = spawn(process.execPath, [STDIO_HOST, CLI, '--template', 'base'], {
      env: { PATH: process.env.PATH, CODEBOX_API_URL: runner().url, CODEBOX_API_KEY: runner().keys[0] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    host.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    host.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    try {
      await vi.waitFor(() => expect(out).toMatch(/"serverPid"/), { timeout: 60_000, interval: 100 });
      const report = JSON.parse(out.split('\n').find((line) => line.includes('"serverPid"')) ?? '{}') as { serverPid: number; tools: string[]; text: string };
      expect(report.tools).toEqual(['run_code', 'run_command', 'read_file', 'write_file']);
      expect(report.text).toMatch(/^stdout: up from /);
      expect(runner().containerIds()).toHaveLength(before + 1);

      host.kill('SIGKILL');
      await expect.poll(() => runner().containerIds().length, { timeout: 20_000 }).toBe(before);
      await expect.poll(() => alive(report.serverPid), { timeout: 10_000 }).toBe(false);
    } finally {
      host.kill('SIGKILL');
    }
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
