import type { Logger } from 'pino';
import type { RootfsRecipe } from './base-rootfs-recipe.js';
import { buildRootfsWithDebootstrap } from './debootstrap-rootfs.js';
import { InvalidRootfsRecipeError, RootfsBuildError } from './errors.js';
import type { ImageBackend } from './image-backend.js';
import { withHeartbeat } from './progress-heartbeat.js';
import { buildRootfsFromRegistry } from './registry-rootfs.js';
import type { RootfsSourceChoice } from './rootfs-source.js';
import type { RootfsTarget } from './rootfs-target.js';

export interface RootfsBuild {
  recipe: RootfsRecipe;
  choice: RootfsSourceChoice;
  target: RootfsTarget;
  /** debootstrap's scratch space; the tree is removed when the build ends. */
  workDir: string;
  /** Upper bound of a registry build (pull plus apt-get). */
  registryTimeoutMs: number;
}

const HEARTBEAT_MS = 30_000;

/**
 * Builds the Debian root filesystem image from the chosen source. Every failure becomes a
 * RootfsBuildError naming the source, why it was chosen and what to change.
 */
export async function buildRootfsImage(images: ImageBackend, build: RootfsBuild, logger: Logger): Promise<string> {
  const { recipe, choice, target } = build;
  const fail = (reason: string, cause?: unknown) =>
    new RootfsBuildError({ source: choice.source, recipe, reason, chosenBecause: choice.reason }, { cause });
  if (choice.unusable) throw fail(choice.unusable);
  logger.info(
    { source: choice.source, reason: choice.reason, image: `${target.repo}:${target.tag}`, packages: recipe.packages.length },
    'rootfs: building',
  );
  try {
    return await withHeartbeat(logger, 'rootfs: still building', HEARTBEAT_MS, () =>
      choice.source === 'debootstrap'
        ? buildRootfsWithDebootstrap(images, recipe, build.workDir, target, logger)
        : buildRootfsFromRegistry(images, recipe, target, build.registryTimeoutMs, logger),
    );
  } catch (err) {
    // A bad recipe is the caller's bug, not something another source or a registry would fix.
    if (err instanceof InvalidRootfsRecipeError) throw err;
    throw fail(err instanceof Error ? err.message : String(err), err);
  }
}
