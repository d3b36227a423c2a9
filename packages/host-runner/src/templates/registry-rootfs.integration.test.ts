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

describe('registry rootfs source without a registry', () => {
  // A registry that is not there, on an address this test owns: the failure path runs on every
  // machine, whether or not Docker Hub or a mirror would answer here.
  let refusing: Server;
  beforeAll(async () => {
    refusing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => refusing.close(resolve));
  });

  it('fails fast with a RootfsBuildError and leaves no image or file behind', async () => {
    const port = (refusing.address() as { port: number }).port;
    const recipe = { ...BASE_ROOTFS_RECIPE, image: `127.0.0.1:${port}/debian:trixie-slim` };
    const store = new TemplateStore({ dataDir, logger, images, rootfsSource: 'registry', rootfsRecipe: recipe });
    const hash = rootfsHash(recipe, 'registry');
    const started = Date.now();
    const error = await store.ensureBaseRootfs().catch((err: unknown) => err);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(RootfsBuildError);
    expect(error).toMatchObject({ name: 'RootfsBuildError', source: 'registry', suite: 'trixie' });
    expect((error as Error).message).toContain(`FROM ${recipe.image} failed (CODEBOX_ROOTFS_SOURCE is registry): `);
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
