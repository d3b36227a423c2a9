import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../docker/docker-client.js';

const docker = createDockerClient();
const childEntry = fileURLToPath(new URL('testing/ensure-defaults-child.ts', import.meta.url));
const loader = fileURLToPath(new URL('testing/ts-source-loader.mjs', import.meta.url));

interface ChildResult {
  code: number | null;
  images: { image: string; id: string }[];
  messages: string[];
  stderr: string;
}

function runChild(dataDir: string, templateName: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--import', loader, childEntry, dataDir, templateName], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const messages = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
      resolve({ code, images: code === 0 ? (JSON.parse(stdout) as ChildResult['images']) : [], messages, stderr });
    });
  });
}

describe('template builds across processes', () => {
  const name = `codebox-test-lock-${randomBytes(3).toString('hex')}`;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'codebox-lock-it-'));
  });
  afterAll(async () => {
    for (const image of await docker.listImages({ filters: { label: [`codebox.template=${name}`] } })) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => undefined);
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serialises two concurrent ensureDefaultTemplates(): both succeed, one builds, the other hits the cache', async () => {
    const [a, b] = await Promise.all([runChild(dataDir, name), runChild(dataDir, name)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.images).toHaveLength(1);
    expect(a.images[0]?.image).toMatch(new RegExp(`^codebox/${name}:[0-9a-f]{24}$`));
    expect(b.images).toEqual(a.images);

    // Without the lock both would build, and the loser's image would replace the winner's tag.
    const built = [a, b].filter((r) => r.messages.includes('agent layer: built'));
    const hit = [a, b].filter((r) => r.messages.includes('agent layer: cache hit'));
    expect(built).toHaveLength(1);
    expect(hit).toHaveLength(1);
    expect(hit[0]?.messages).toContain('template build lock: another build is running; waiting');

    const images = await docker.listImages({ filters: { label: [`codebox.template=${name}`] } });
    expect(images.map((i) => i.Id)).toEqual([a.images[0]?.id]);
    expect(await readdir(dataDir)).not.toContain('templates.lock');
  }, 900_000);
});
