// The MCP glue, with the scripted sandbox and the official client over an in-memory transport:
// what the tools look like to a host, progress while code runs, images, tool errors the model
// reads, and the sandbox's files as resources. The behaviour shared with the framework packages
// is tested once for all in test/agent-tools; the real runner and both real transports in
// mcp-server.integration.test.ts.
import { SandboxSessions } from '@codebox/core-client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { scriptedSessions, ScriptedSandbox, type SandboxScript } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { createCodeboxMcpServer, type CodeboxMcpServerOpts } from './codebox-mcp-server.js';

type Content = { type: string; text?: string; data?: string; mimeType?: string }[];

async function connect(opts: CodeboxMcpServerOpts<ScriptedSandbox>): Promise<Client> {
  const server = createCodeboxMcpServer(opts);
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'unit', version: '0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  return client;
}

function scripted(script: SandboxScript = {}) {
  return scriptedSessions(script, SandboxSessions);
}

describe('Codebox MCP server (glue)', () => {
  it('lists the four tools with their JSON schemas and hints; language is a plain enum', async () => {
    const { sessions } = scripted();
    await using _ = sessions;
    const client = await connect({ sessions, sessionId: 's', languages: ['python', 'bash'] });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['run_code', 'run_command', 'read_file', 'write_file']);
    const runCode = tools[0]!;
    expect(runCode.inputSchema).toMatchObject({ type: 'object', required: ['code'], properties: { language: { enum: ['python', 'bash'] } } });
    expect(runCode.description).toContain('Languages: python, bash');
    expect(tools.find((t) => t.name === 'read_file')?.annotations?.readOnlyHint).toBe(true);
    expect(client.getInstructions()).toContain('one per session');
  });

  it('streams what the code prints as progress notifications before the result, stderr marked', async () => {
    const { sessions } = scripted({ code: () => ({ stdout: ['one\n', 'two\n'], stderr: ['warn\n'] }) });
    await using _ = sessions;
    const client = await connect({ sessions, sessionId: 's', progressIntervalMs: 0 });
    const progress: Progress[] = [];
    const result = await client.callTool({ name: 'run_code', arguments: { code: 'go()' } }, undefined, { onprogress: (p) => progress.push(p) });
    expect(progress.map((p) => p.message)).toEqual(['one\n', 'two\n', 'stderr: warn\n']);
    expect(progress.map((p) => p.progress)).toEqual([1, 2, 3]);
    expect((result.content as Content)[0]?.text).toBe('stdout:\none\ntwo\nstderr: warn');
  });

  it('returns a chart as MCP image content after the text', async () => {
    const png = pngBase64(4, 3);
    const { sessions } = scripted({ code: () => ({ results: [{ png, isMainResult: false }] }) });
    await using _ = sessions;
    const client = await connect({ sessions, sessionId: 's' });
    const result = await client.callTool({ name: 'run_code', arguments: { code: 'plot()' } });
    expect(result.isError).toBeFalsy();
    expect(result.content).toEqual([
      { type: 'text', text: expect.stringMatching(/^output: \[image\/png 4×3, \d+ B\]$/) },
      { type: 'image', data: png, mimeType: 'image/png' },
    ]);
  });

  it('answers bad arguments, a missing session id and a failing sandbox with isError results; the session goes on', async () => {
    let creates = 0;
    const sessions = new SandboxSessions<ScriptedSandbox>({
      closeOnExit: false,
      sandboxClass: {
        create: async () => {
          if (++creates === 1) throw new Error('runner unreachable');
          return new ScriptedSandbox('second', { command: () => ({ stdout: ['ok\n'] }) });
        },
      },
    });
    await using _ = sessions;
    const client = await connect({ sessions, sessionId: 's' });
    const bad = await client.callTool({ name: 'run_command', arguments: { cwd: '/tmp' } });
    expect(bad.isError).toBe(true);
    expect((bad.content as Content)[0]?.text).toMatch(/Input validation error.*command/s);
    const failed = await client.callTool({ name: 'run_command', arguments: { command: 'true' } });
    expect(failed).toEqual({ isError: true, content: [{ type: 'text', text: 'run_command failed: Error: runner unreachable' }] });
    const ok = await client.callTool({ name: 'run_command', arguments: { command: 'true' } });
    expect((ok.content as Content)[0]?.text).toBe('stdout: ok');

    const { sessions: other, sandboxes } = scripted();
    await using __ = other;
    const noSession = await (await connect({ sessions: other })).callTool({ name: 'read_file', arguments: { path: 'x' } });
    expect(noSession.isError).toBe(true);
    expect((noSession.content as Content)[0]?.text).toContain('needs a session id');
    expect(sandboxes).toEqual([]);
  });

  it("serves the session sandbox's files as resources: none listed before a sandbox exists, then listed and read", async () => {
    const png = Buffer.from(pngBase64(2, 2), 'base64');
    const { sessions, sandboxes } = scripted({ files: { '/home/user/plot.png': png } });
    await using _ = sessions;
    const client = await connect({ sessions, sessionId: 's' });
    expect((await client.listResources()).resources).toEqual([]);
    expect(sandboxes).toEqual([]);
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toEqual(['sandbox://files/{+path}']);

    await client.callTool({ name: 'write_file', arguments: { path: 'notes/a.txt', content: 'hello' } });
    const sandbox = sandboxes[0]!;
    Object.assign(sandbox.files, {
      list: async () => [
        { name: 'notes', path: '/home/user/notes', type: 'dir', size: 0 },
        { name: 'a.txt', path: '/home/user/notes/a.txt', type: 'file', size: 5 },
        { name: 'plot.png', path: '/home/user/plot.png', type: 'file', size: png.length },
      ],
    });
    const listed = (await client.listResources()).resources.map(({ uri, name, size }) => ({ uri, name, size }));
    expect(listed).toEqual([
      { uri: 'sandbox://files/home/user/notes/a.txt', name: '/home/user/notes/a.txt', size: 5 },
      { uri: 'sandbox://files/home/user/plot.png', name: '/home/user/plot.png', size: png.length },
    ]);
    const text = await client.readResource({ uri: 'sandbox://files/home/user/notes/a.txt' });
    expect(text.contents).toEqual([{ uri: 'sandbox://files/home/user/notes/a.txt', mimeType: 'text/plain', text: 'hello' }]);
    const image = await client.readResource({ uri: 'sandbox://files/home/user/plot.png' });
    expect(image.contents).toEqual([{ uri: 'sandbox://files/home/user/plot.png', mimeType: 'image/png', blob: png.toString('base64') }]);
    await expect(client.readResource({ uri: 'sandbox://files/home/user/missing.txt' })).rejects.toThrow(/not found/);
  });
});
