import { lookup } from 'node:dns/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../docker/docker-client.js';
import { DockerImageBackend } from '../docker/docker-image-backend.js';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { rootfsHash } from './content-hash.js';
import { RootfsBuildError } from './errors.js';
import { TemplateStore } from './template-store.js';

const docker = createDockerClient();
const images = new DockerImageBackend(docker);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

/** This suite proves the failure path; where Docker Hub or a registry mirror answers, the registry build would succeed. */
async function registryAnswers(): Promise<boolean> {
  const mirrors = (await docker.info()).RegistryConfig?.Mirrors ?? [];
  if (mirrors.length > 0) return true;
  return lookup('registry-1.docker.io').then(
    () => true,
    () => false,
  );
}

async function imagesWithHash(hash: string): Promise<string[]> {
  const labelled = await docker.listImages({ filters: { label: [`codebox.content-hash=${hash}`] } });
  const tagged = await docker.listImages({ filters: { reference: [`codebox/rootfs:${hash}`] } });
  return [...labelled, ...tagged].map((i) => i.Id);
}

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebox-registry-it-'));
});
afterEach(async () => {
  // Each case starts from an empty data dir, so "leaves nothing behind" is about that case alone.
  expect(await readdir(dataDir)).toEqual([]);
});
afterAll(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe.skipIf(await registryAnswers())('registry rootfs source without a registry', () => {
  it('fails fast with a RootfsBuildError and leaves no image or file behind', async () => {
    const store = new TemplateStore({ dataDir, logger, images, rootfsSource: 'registry' });
    const hash = rootfsHash(BASE_ROOTFS_RECIPE, 'registry');
    const started = Date.now();
    const error = await store.ensureBaseRootfs().catch((err: unknown) => err);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(RootfsBuildError);
    expect(error).toMatchObject({ name: 'RootfsBuildError', source: 'registry', suite: 'trixie' });
    expect((error as Error).message).toMatch(/FROM debian:trixie-slim failed \(CODEBOX_ROOTFS_SOURCE is registry\): .*registry-1\.docker\.io/);
    expect((error as Error).message).toContain('CODEBOX_ROOTFS_SOURCE=debootstrap');
    expect(elapsed).toBeLessThan(60_000);
    expect(await imagesWithHash(hash)).toEqual([]);
  });
});

describe('registry rootfs source with a registry that hangs', () => {
  let server: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections and never answers: what a stalled registry or proxy looks like to dockerd.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('cancels the build at the deadline instead of waiting on the pull', async () => {
    const port = (server.address() as { port: number }).port;
    const recipe = { ...BASE_ROOTFS_RECIPE, image: `127.0.0.1:${port}/debian:trixie-slim` };
    const store = new TemplateStore({ dataDir, logger, images, rootfsSource: 'registry', rootfsRecipe: recipe, registryBuildTimeoutMs: 3_000 });
    let connected = false;
    server.once('connection', () => (connected = true));
    const started = Date.now();
    const error = await store.ensureBaseRootfs().catch((err: unknown) => err);
    const elapsed = Date.now() - started;

    expect(connected).toBe(true);
    expect(error).toMatchObject({ name: 'RootfsBuildError', source: 'registry' });
    expect((error as Error).message).toContain(`no result within 3 s (the pull of ${recipe.image} or apt-get hung)`);
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(elapsed).toBeLessThan(15_000);
    expect(await imagesWithHash(rootfsHash(recipe, 'registry'))).toEqual([]);
  });
});
