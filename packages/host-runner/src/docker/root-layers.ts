import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { RootModeUnavailableError } from './errors.js';
import { mountPoints } from './home-disk.js';
import { runHostCommand } from '../host/host-command.js';

/** Ids per root-enabled sandbox: 0..65535 inside its user namespace, a block of host uids outside. */
export const ROOT_UID_BLOCK = 65_536;
/** Where the sandbox's uid block shows the template's layers and its disk (sandbox-root.c reads these). */
export const ROOT_LAYERS_TARGET = '/run/codebox-root/layers';
export const ROOT_DISK_TARGET = '/run/codebox-root/disk';
/** The uid `user` has inside the user namespace, as the template's passwd says (docs/internals.md). */
export const TEMPLATE_USER_UID = 1000;

export const IDMAP_MOUNT = fileURLToPath(new URL('../idmap-mount', import.meta.url));

/** An image's overlay2 layer directories, top first: the order overlayfs wants its lowerdir. */
export async function imageLayerDirs(docker: Dockerode, image: string): Promise<string[]> {
  const info = await docker.getImage(image).inspect();
  const data = (info.GraphDriver?.Data ?? {}) as Record<string, string | undefined>;
  if (info.GraphDriver?.Name !== 'overlay2' || !data.UpperDir) {
    throw new RootModeUnavailableError(`dockerd's storage driver is ${info.GraphDriver?.Name ?? 'unknown'}, root mode needs overlay2`);
  }
  return [data.UpperDir, ...(data.LowerDir ? data.LowerDir.split(':') : [])];
}

/**
 * Mounts each layer under `<dir>/<index>` as an idmapped, read-only view owned by the uid block
 * (native/idmap-mount.c). Nothing is copied: the mounts cost no disk and go with the sandbox.
 */
export async function mountRootLayers(layers: readonly string[], dir: string, hostFirst: number, logger: Logger): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  for (const [index, layer] of layers.entries()) {
    const target = join(dir, String(index));
    await mkdir(target, { mode: 0o755 });
    await runHostCommand(IDMAP_MOUNT, [layer, target, String(hostFirst), String(ROOT_UID_BLOCK)], { logger });
  }
}

/** Unmounts every mount below `dir` (deepest first) and removes it. Idempotent; before any rm -r of the sandbox dir. */
export async function unmountBelow(dir: string, logger: Logger): Promise<void> {
  const below = [...(await mountPoints())].filter((point) => point.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  for (const point of below) {
    await runHostCommand('umount', [point], { logger }).catch(() => runHostCommand('umount', ['-l', point], { logger }));
  }
  await rm(dir, { recursive: true, force: true });
}

/**
 * Splits a root-enabled sandbox's disk (mounted at `mount`, root dir owned by the block's root):
 * `user/` becomes /home/user (owned by `user` inside), `system/` holds the overlay's upper and
 * work directories and its mount point, so what root installs counts against the disk limit.
 */
export async function prepareRootDisk(mount: string, hostFirst: number): Promise<{ home: string; system: string }> {
  const home = join(mount, 'user');
  const system = join(mount, 'system');
  await mkdir(home, { mode: 0o755 });
  await chown(home, hostFirst + TEMPLATE_USER_UID, hostFirst + TEMPLATE_USER_UID);
  await mkdir(system, { mode: 0o700 });
  for (const sub of ['upper', 'work', 'merged']) {
    await mkdir(join(system, sub), { mode: 0o755 });
    await chown(join(system, sub), hostFirst, hostFirst);
  }
  await chown(system, hostFirst, hostFirst);
  return { home, system };
}
