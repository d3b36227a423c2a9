import type { Logger } from 'pino';
import { aptInstallDockerfile, buildAptInstallImage } from './apt-install-image.js';
import type { RootfsRecipe } from './base-rootfs-recipe.js';
import type { ImageBackend } from './image-backend.js';
import type { RootfsTarget } from './rootfs-target.js';

/** The registry path: the recipe's packages on top of the slim Debian image. */
export function registryRootfsDockerfile(recipe: RootfsRecipe): string {
  return aptInstallDockerfile({ from: recipe.image, suite: recipe.suite, packages: recipe.packages });
}

/** Builds the rootfs image from the registry's Debian image, bounded by timeoutMs (pull included). */
export async function buildRootfsFromRegistry(
  images: ImageBackend,
  recipe: RootfsRecipe,
  target: RootfsTarget,
  timeoutMs: number,
  logger: Logger,
): Promise<string> {
  const started = Date.now();
  logger.info({ from: recipe.image, packages: recipe.packages, timeoutMs }, 'rootfs from registry: building');
  const imageId = await buildAptInstallImage(images, { from: recipe.image, suite: recipe.suite, packages: recipe.packages }, target, timeoutMs, logger);
  logger.info({ durationMs: Date.now() - started, imageId, image: `${target.repo}:${target.tag}` }, 'rootfs from registry: built');
  return imageId;
}
