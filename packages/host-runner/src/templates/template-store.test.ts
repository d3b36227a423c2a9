import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pinOwner, pinsOf } from './image-pins.js';
import { TemplateStore } from './template-store.js';
import { FakeImageBackend } from './testing/fake-image-backend.js';

const HOUR = 3_600_000;
const logger = pino({ level: 'silent' });
const healthAgent = fileURLToPath(new URL('../docker/testing/health-agent.mjs', import.meta.url));
const sandboxExec = fileURLToPath(new URL('../docker/testing/sandbox-exec.sh', import.meta.url));

let dir: string;
/** The build context, apart from the data dirs (whose lock files come and go during a build). */
let context: string;
let clock: number;
let images: FakeImageBackend;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-tpl-unit-'));
  clock = Date.parse('2026-12-06T12:00:00Z');
  images = new FakeImageBackend(() => clock);
  context = join(dir, 'context');
  await mkdir(context);
  await writeFile(join(context, 'Dockerfile'), 'FROM debian:trixie-slim\n');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A runner of its own agent build (`version` changes the agent's bytes, so its content hash) and data dir. */
async function runner(runnerName: string, version: string, defaultTemplates: { name: string; kernelPackages: boolean }[] = []): Promise<TemplateStore> {
  const agent = join(dir, `agent-${version}.mjs`);
  await copyFile(healthAgent, agent);
  await writeFile(agent, `${await readFile(agent, 'utf8')}\n// ${version}\n`);
  return new TemplateStore({
    dataDir: join(dir, `data-${runnerName}`),
    runnerName,
    logger,
    images,
    now: () => clock,
    rootfsSource: 'registry',
    defaultTemplates,
    agentBundle: { agent, sandboxExec, node: process.execPath },
  });
}

function idOf(image: string): string {
  const found = [...images.images.values()].find((i) => i.repoTags.includes(image));
  if (!found) throw new Error(`${image} is gone`);
  return found.id;
}

describe('TemplateStore and other runners on the same dockerd', () => {
  it("removes its own earlier build, keeps another runner's young one, and removes that once it is old", async () => {
    const blue = await runner('blue', 'v1');
    const green = await runner('green', 'v2');
    const blueFirst = idOf((await blue.build({ name: 'app', contextDir: context })).image);
    const greenFirst = idOf((await green.build({ name: 'app', contextDir: context })).image);
    expect(images.has(blueFirst)).toBe(true);

    await writeFile(join(context, 'extra.txt'), 'changed\n');
    clock += HOUR;
    const blueSecond = idOf((await blue.build({ name: 'app', contextDir: context })).image);
    expect(images.has(blueFirst)).toBe(false);
    expect(images.has(greenFirst)).toBe(true);

    // Green stopped; a day on, blue's next build (a cache hit here) finds green's pin old.
    clock += 24 * HOUR;
    await blue.build({ name: 'app', contextDir: context });
    expect(images.has(greenFirst)).toBe(false);
    expect(images.has(blueSecond)).toBe(true);
    expect(pinsOf(images.images.get(blueSecond)?.repoTags ?? [], 'codebox/app').map((p) => [p.owner, p.usedAtMs])).toEqual([[pinOwner('blue', join(dir, 'data-blue')), clock]]);
  });

  it('removes an older build left by a version before pins once it is older than the grace period, at a resolve of a long-running runner', async () => {
    const blue = await runner('blue', 'v2', [{ name: 'tpl', kernelPackages: false }]);
    const before = images.add({ labels: { 'codebox.template': 'tpl', 'codebox.content-hash': 'v1' }, repoTags: ['codebox/tpl:v1'], createdAt: new Date(clock - HOUR) });
    await blue.ensureDefaultTemplates();
    expect(images.has(before)).toBe(true);

    clock += 24 * HOUR;
    await blue.resolve('tpl');
    await vi.waitFor(() => expect(images.has(before)).toBe(false));
    // The background sweep held the build lock; it is released before the data dir goes.
    await vi.waitFor(() => expect(existsSync(join(dir, 'data-blue', 'templates.lock'))).toBe(false));
  });

  it('keeps renewing the pin of a default template it resolves, so a runner of another build keeps it past the grace period', async () => {
    const blue = await runner('blue', 'v1', [{ name: 'tpl', kernelPackages: false }]);
    const [ensured] = await blue.ensureDefaultTemplates();
    if (!ensured) throw new Error('nothing ensured');
    const blueId = idOf(ensured.image);

    clock += 20 * HOUR;
    expect((await blue.resolve('tpl'))?.image).toBe(ensured.image);
    await vi.waitFor(() => expect(pinsOf(images.images.get(blueId)?.repoTags ?? [], 'codebox/tpl').map((p) => p.usedAtMs)).toEqual([clock]));

    clock += 10 * HOUR;
    const green = await runner('green', 'v2', [{ name: 'tpl', kernelPackages: false }]);
    await green.ensureDefaultTemplates();
    expect(images.has(blueId)).toBe(true);

    // Blue stops: its pin is released, so green's next sweep removes the image at once.
    await blue.releasePins();
    expect(pinsOf(images.images.get(blueId)?.repoTags ?? [], 'codebox/tpl').map((p) => p.usedAtMs)).toEqual([0]);
    clock += HOUR;
    await green.ensureDefaultTemplates();
    expect(images.has(blueId)).toBe(false);
  });

  it('removes its own earlier build at once after a restart with another agent (an update), however young', async () => {
    const before = await runner('blue', 'v1', [{ name: 'tpl', kernelPackages: false }]);
    const [old] = await before.ensureDefaultTemplates();
    if (!old) throw new Error('nothing ensured');
    const oldId = idOf(old.image);
    await before.releasePins();

    clock += HOUR;
    const after = await runner('blue', 'v2', [{ name: 'tpl', kernelPackages: false }]);
    const [updated] = await after.ensureDefaultTemplates();
    expect(updated?.image).not.toBe(old.image);
    expect(images.has(oldId)).toBe(false);
  });
});
