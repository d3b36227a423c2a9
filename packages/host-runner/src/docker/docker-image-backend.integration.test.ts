import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import * as tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateStore } from '../templates/template-store.js';
import { createDockerClient } from './docker-client.js';
import { DockerImageBackend } from './docker-image-backend.js';

const docker = createDockerClient();
const images = new DockerImageBackend(docker);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
const repo = `codebox-test-rm-${randomBytes(3).toString('hex')}`;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'codebox-img-it-'));
});
afterAll(async () => {
  for (const container of await docker.listContainers({ all: true, filters: { label: [`codebox.test=${repo}`] } })) {
    await docker.getContainer(container.Id).remove({ force: true });
  }
  for (const image of await docker.listImages({ filters: { reference: [repo] } })) {
    await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
  }
  await rm(dataDir, { recursive: true, force: true });
});

/** A one-line Dockerfile as a build context. */
function context(dockerfile: string): Readable {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, dockerfile);
  pack.finalize();
  return Readable.from(pack);
}

describe('DockerImageBackend.removeIfUnused', () => {
  it('keeps an image with several tags (a template image: hash, latest, pins) while a container uses it, then removes it with all its tags', async () => {
    const rootfs = await new TemplateStore({ dataDir, logger, images }).ensureBaseRootfs();
    const id = await images.build(context(`FROM ${rootfs.ref}\nLABEL codebox.test=${repo}\n`), { tags: [`${repo}:hash`, `${repo}:latest`, `${repo}:pin-a-1`], labels: {} }, logger);
    expect(id).not.toBe(rootfs.imageId);
    const container = await docker.createContainer({ Image: id, Cmd: ['true'], Labels: { 'codebox.test': repo } });

    expect(await images.removeIfUnused(id)).toBe(false);
    expect((await images.inspect(id))?.repoTags.slice().sort()).toEqual([`${repo}:hash`, `${repo}:latest`, `${repo}:pin-a-1`]);

    await container.remove();
    expect(await images.removeIfUnused(id)).toBe(true);
    expect(await images.inspect(id)).toBeUndefined();
    expect(await images.inspect(rootfs.ref)).toBeDefined();
  });
});
