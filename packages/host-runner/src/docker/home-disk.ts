import { mkdir, open, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SANDBOX_GID, SANDBOX_UID } from '@codebox/protocol';
import { runHostCommand } from '../host/host-command.js';

/**
 * A sandbox's /home/user as a sparse ext4 image, loop-mounted on the host. overlay2 on ext4 has
 * no quota, so this is what makes `diskMiB` a hard limit: writes beyond it fail with ENOSPC
 * inside the image and never touch the host filesystem's free space.
 */
/** Who owns the home directory: the sandbox's own host uid/gid (docs/internals.md). */
export interface HomeOwner {
  readonly uid: number;
  readonly gid: number;
}

export async function createHomeDisk(
  imagePath: string,
  mountPoint: string,
  sizeMiB: number,
  owner: HomeOwner,
  logger: Logger,
): Promise<void> {
  const file = await open(imagePath, 'wx', 0o600);
  try {
    await file.truncate(sizeMiB * 1024 * 1024);
  } finally {
    await file.close();
  }
  await runHostCommand(
    'mkfs.ext4',
    ['-F', '-q', '-m', '0', '-E', `root_owner=${owner.uid}:${owner.gid}`, imagePath],
    { logger },
  );
  await mountDiskImage(imagePath, mountPoint, logger);
  // mkfs leaves lost+found (root-owned) in what the user sees as an empty home directory.
  await rmdir(join(mountPoint, 'lost+found')).catch(() => undefined);
}

/** Loop-mounts an existing image (made by createHomeDisk) at `mountPoint`, creating the directory. */
export async function mountDiskImage(imagePath: string, mountPoint: string, logger: Logger): Promise<void> {
  await mkdir(mountPoint, { recursive: true, mode: 0o700 });
  await runHostCommand('mount', ['-t', 'ext4', '-o', 'loop,nosuid,nodev', imagePath, mountPoint], { logger });
}

/** Unmounts (detaching the loop device) and deletes the image. Idempotent. */
export async function removeHomeDisk(imagePath: string, mountPoint: string, logger: Logger): Promise<void> {
  if (await isMountPoint(mountPoint)) {
    try {
      await runHostCommand('umount', [mountPoint], { logger });
    } catch (err) {
      // A process still holding the mount (e.g. a dying container) must not leak the image:
      // detach lazily; the kernel frees the loop device when the last user goes.
      logger.warn({ err, mountPoint }, 'home disk busy; unmounting lazily');
      await runHostCommand('umount', ['-l', mountPoint], { logger });
    }
  }
  await rm(imagePath, { force: true });
  await rm(mountPoint, { recursive: true, force: true });
}

/** Mount points listed in /proc/self/mountinfo, decoded (the kernel escapes spaces as \040). */
export async function mountPoints(): Promise<Set<string>> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = new Set<string>();
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (field) points.add(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return points;
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).has(path);
}

/**
 * Whether loop-mounted home disks work here: needs root, /dev/loop-control and mkfs.ext4. Probed
 * by really creating and mounting a tiny image, because containers and hardened hosts can have
 * the device but refuse the mount.
 */
export async function probeLoopDisks(workDir: string, logger: Logger): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'the runner is not root' };
  if (!existsSync('/dev/loop-control')) return { ok: false, reason: '/dev/loop-control is missing' };
  const dir = join(workDir, `.loop-probe-${process.pid}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const image = join(dir, 'probe.img');
  const mountPoint = join(dir, 'mnt');
  try {
    await createHomeDisk(image, mountPoint, 8, { uid: SANDBOX_UID, gid: SANDBOX_GID }, logger);
    await stat(mountPoint);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await removeHomeDisk(image, mountPoint, logger).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
