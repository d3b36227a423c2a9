import { spawn } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { runHostCommand } from '../host/host-command.js';
import type { RootfsRecipe } from './base-rootfs-recipe.js';
import type { ImageBackend } from './image-backend.js';
import type { RootfsTarget } from './rootfs-target.js';

/**
 * debootstrap on the host, then `docker import` of the tree: no image registry is needed, and
 * package downloads use the host's own network and trust store (apt verifies the Release file
 * by GPG; an https mirror is fetched with the host's CA bundle), so nothing about the host's
 * CAs ends up in the image. The tree lives under workDir only while the build runs.
 */
export async function buildRootfsWithDebootstrap(
  images: ImageBackend,
  recipe: RootfsRecipe,
  workDir: string,
  target: RootfsTarget,
  logger: Logger,
): Promise<string> {
  const dir = join(workDir, `rootfs-${target.tag}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o755 });
  try {
    let t = Date.now();
    logger.info({ suite: recipe.suite, packages: recipe.packages }, 'debootstrap: starting');
    await runHostCommand(
      'debootstrap',
      [`--variant=${recipe.variant}`, `--include=${recipe.packages.join(',')}`, recipe.suite, dir, recipe.mirror],
      { logger },
    );
    // Package caches and indexes are large and stale by the time anyone uses them.
    await rm(join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
    await mkdir(join(dir, 'var/cache/apt/archives/partial'), { recursive: true });
    await rm(join(dir, 'var/lib/apt/lists'), { recursive: true, force: true });
    await mkdir(join(dir, 'var/lib/apt/lists/partial'), { recursive: true });
    logger.info({ durationMs: Date.now() - t }, 'debootstrap: done');

    t = Date.now();
    const imageId = await importTree(images, dir, target, logger);
    logger.info({ durationMs: Date.now() - t, imageId, image: `${target.repo}:${target.tag}` }, 'rootfs imported');
    return imageId;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Streams `tar -c` of the tree into `docker import`; tar keeps device nodes, owners and xattrs intact. */
async function importTree(images: ImageBackend, dir: string, target: RootfsTarget, logger: Logger): Promise<string> {
  const child = spawn('tar', ['--numeric-owner', '--xattrs', '-C', dir, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const imported = images.importRootfs(child.stdout, target, logger).catch((err: unknown) => {
    child.kill();
    throw err;
  });
  const [imageId, code] = await Promise.all([imported, exited]);
  if (code !== 0) throw new Error(`tar of ${dir} exited with ${code}: ${stderr.trim()}`);
  return imageId;
}
