import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { warmAgentCommandPath } from './agent-warm-up.js';

describe('warmAgentCommandPath', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** A stand-in agent on a unix socket that answers with `status` and `body` and records what it got. */
  async function agent(status: number, body: string): Promise<{ socket: string; got: { path?: string; type?: string; body: Buffer } }> {
    const dir = mkdtempSync(join(tmpdir(), 'agent-warm-up-'));
    const socket = join(dir, 'agent.sock');
    const got: { path?: string; type?: string; body: Buffer } = { body: Buffer.alloc(0) };
    const server: Server = createServer((req, res) => {
      got.path = req.url;
      got.type = req.headers['content-type'];
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        got.body = Buffer.concat(chunks);
        res.writeHead(status).end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    cleanups.push(() => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { socket, got };
  }

  it("sends commands.run's request for `true` as one Connect message and resolves once the stream ends", async () => {
    const { socket, got } = await agent(200, '\u0002\u0000\u0000\u0000\u0002{}');
    expect(await warmAgentCommandPath(socket, 5_000)).toBeUndefined();
    expect(got.path).toBe('/process.Process/Start');
    expect(got.type).toBe('application/connect+json');
    expect(got.body[0]).toBe(0);
    expect(got.body.readUInt32BE(1)).toBe(got.body.length - 5);
    expect(JSON.parse(got.body.subarray(5).toString())).toEqual({ process: { cmd: '/bin/bash', args: ['-l', '-c', 'true'] } });
  });

  it('reports, never throws, an error answer or a missing agent', async () => {
    const { socket } = await agent(200, '\u0002\u0000\u0000\u0000\u0020{"error":{"code":"internal"}}');
    expect(await warmAgentCommandPath(socket, 5_000)).toMatch(/answered 200/);
    const refused = await agent(503, 'no');
    expect(await warmAgentCommandPath(refused.socket, 5_000)).toMatch(/answered 503/);
    expect(await warmAgentCommandPath(join(tmpdir(), 'no-such-dir-for-warm-up', 'agent.sock'), 5_000)).toMatch(/ENOENT/);
  });
});
