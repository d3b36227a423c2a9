import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { isDockerUnreachable, reportUnreachableDocker } from './docker-unreachable.js';
import { DockerUnreachableError } from './errors.js';

describe('reportUnreachableDocker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-docker-sock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('turns a missing socket into DockerUnreachableError naming the endpoint', async () => {
    const docker = reportUnreachableDocker(new Dockerode({ socketPath: join(dir, 'missing.sock') }));
    const error = await docker.ping().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DockerUnreachableError);
    expect((error as DockerUnreachableError).name).toBe('DockerUnreachableError');
    expect((error as Error).message).toContain(join(dir, 'missing.sock'));
    expect((error as DockerUnreachableError).code).toBe('ENOENT');
  });

  it('turns a connection dropped mid-request into the same error', async () => {
    const path = join(dir, 'dropping.sock');
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const docker = reportUnreachableDocker(new Dockerode({ socketPath: path }));
      for (const call of [() => docker.ping(), () => docker.listContainers(), () => docker.getContainer('x').inspect()]) {
        await expect(call()).rejects.toBeInstanceOf(DockerUnreachableError);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('leaves answers of a reachable dockerd (status codes) alone', () => {
    expect(isDockerUnreachable(Object.assign(new Error('no such container'), { statusCode: 404 }))).toBe(false);
    expect(isDockerUnreachable(Object.assign(new Error('x'), { statusCode: 500, code: 'ECONNRESET' }))).toBe(false);
    expect(isDockerUnreachable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isDockerUnreachable(new Error('plain'))).toBe(false);
  });
});
