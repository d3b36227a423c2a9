import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDockerClient } from './docker-client.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

function listen<T extends Server | NetServer>(server: T, ...args: unknown[]): Promise<T> {
  return new Promise((resolve) => (server.listen as (...a: unknown[]) => void)(...args, () => resolve(server)));
}

describe('createDockerClient', () => {
  it('never follows a redirect from dockerd, so an image name cannot make the runner call another host', async () => {
    // The target a redirect would lead to: a loopback listener that must see no connection at all.
    let connections = 0;
    const victim = await listen(createNetServer((socket) => {
      connections++;
      socket.destroy();
    }), 0, '127.0.0.1');
    closers.push(() => new Promise((r) => victim.close(() => r())));
    const victimPort = (victim.address() as { port: number }).port;

    // A fake dockerd that answers every call as dockerd answers a path with "..": 301 to a Location built from it.
    const dir = mkdtempSync(join(tmpdir(), 'codebox-docker-client-'));
    const socketPath = join(dir, 'docker.sock');
    const fakeDockerd = await listen(createHttpServer((req, res) => {
      res.writeHead(301, { location: `http://127.0.0.1:${victimPort}/x${req.url ?? ''}` });
      res.end();
    }), socketPath);
    closers.push(async () => {
      await new Promise<void>((r) => fakeDockerd.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    });

    const docker = createDockerClient({ socketPath });
    for (const name of ['codebox/base/../base:latest', 'codebox/x:latest', '../../127.0.0.1:1/x']) {
      await expect(docker.getImage(name).inspect()).rejects.toThrow();
    }
    await expect(docker.listContainers()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toBe(0);
  });
});
