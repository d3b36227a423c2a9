import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { unmountBelow } from './root-layers.js';
import { SANDBOX_ID_PATTERN } from '@codebox/protocol';
import { containerName } from './container-spec.js';
import { isDockerNotFound } from './errors.js';
import { removeHomeDisk } from './home-disk.js';
import type { DockerBackendContext } from './docker-backend-context.js';
import { sandboxPaths, sandboxesDir } from './sandbox-paths.js';
import { readSandboxUidFile } from './sandbox-uid-file.js';
import { removeSandboxChain } from './sandbox-egress-chain.js';

/** Removes the container (killing it) and every host file made for it. Idempotent. */
export async function destroySandbox(context: DockerBackendContext, sandboxId: string): Promise<void> {
  const paths = sandboxPaths(context.dataDir, sandboxId);
  try {
    await context.docker.getContainer(containerName(sandboxId)).remove({ force: true, v: true });
  } catch (err) {
    if (!isDockerNotFound(err)) throw err;
  }
  await removeSandboxFiles(context, sandboxId);
  // After the container: until then the sandbox's rules must hold. A jump left a moment longer
  // can only add this sandbox's denies to a newer sandbox given the same address (its allows
  // return into the newer one's own chain), never open anything; collectGarbage removes leftovers.
  await removeSandboxChain(context.egressChains, sandboxId, context.logger);
  context.logger.info({ sandboxId, path: paths.root }, 'sandbox destroyed');
}

/** Host-side leftovers only (disk, socket dir, expiry file); the container must be gone already. */
export async function removeSandboxFiles(context: DockerBackendContext, sandboxId: string): Promise<void> {
  const paths = sandboxPaths(context.dataDir, sandboxId);
  // Named volumes' idmapped mounts first: an rm -r must never reach into a volume's files.
  await unmountBelow(join(paths.root, 'volumes'), context.logger);
  // Root mode's idmapped template layers: unmounted before anything below the sandbox dir is removed.
  await unmountBelow(join(paths.root, 'root-layers'), context.logger);
  await removeHomeDisk(paths.homeImage, paths.homeMount, context.logger);
  // Last: the uid may go to another sandbox only once nothing of this one is left.
  const uid = await readSandboxUidFile(paths.root);
  await rm(paths.root, { recursive: true, force: true });
  if (uid !== undefined) await (context.uidBlocks.holds(uid) ? context.uidBlocks : context.uids).release(uid, sandboxId);
  else {
    // Killed between claiming and writing the uid file: free whatever claim names this sandbox.
    await context.uids.releaseHeldBy(sandboxId);
    await context.uidBlocks.releaseHeldBy(sandboxId);
  }
}

/**
 * Deletes the files of sandboxes that are neither live nor backed by a container of this runner
 * (e.g. after a crash between creating the disk and the container).
 */
export async function collectSandboxLeftovers(
  context: DockerBackendContext,
  liveSandboxIds: ReadonlySet<string>,
  containerSandboxIds: ReadonlySet<string>,
): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(sandboxesDir(context.dataDir));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const id of entries) {
    if (!SANDBOX_ID_PATTERN.test(id) || liveSandboxIds.has(id) || containerSandboxIds.has(id)) continue;
    try {
      await removeSandboxFiles(context, id);
      removed.push(id);
    } catch (err) {
      // One stuck leftover (a busy mount) must not keep the others; the next collection retries it.
      context.logger.error({ err, sandboxId: id }, 'could not remove the leftovers of a gone sandbox');
    }
  }
  if (removed.length > 0) context.logger.info({ sandboxIds: removed }, 'removed leftovers of gone sandboxes');
  return removed;
}
