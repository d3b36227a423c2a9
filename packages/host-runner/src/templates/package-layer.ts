import type { Logger } from 'pino';
import { buildAptInstallImage } from './apt-install-image.js';
import { InvalidRootfsRecipeError, PackageLayerBuildError } from './errors.js';
import type { ImageBackend } from './image-backend.js';
import { withHeartbeat } from './progress-heartbeat.js';
import type { RootfsTarget } from './rootfs-target.js';

export interface PackageLayerBuild {
  /** The rootfs image (id) the packages go on. */
  fromImageId: string;
  suite: string;
  packages: readonly string[];
  target: RootfsTarget;
  /** Upper bound of the build (apt-get update, downloads, install). */
  timeoutMs: number;
}

const HEARTBEAT_MS = 30_000;

/**
 * Installs packages with apt-get on top of a built rootfs, whichever source made it. apt, not
 * debootstrap, resolves them: debootstrap's resolver ignores virtual packages, so e.g.
 * python3-zmq's `python3-cffi-backend-api-min` is never installed and configuring fails. The
 * tree below stays shared with the template it came from.
 */
export async function buildPackageLayer(images: ImageBackend, build: PackageLayerBuild, logger: Logger): Promise<string> {
  const { fromImageId, suite, packages, target } = build;
  const image = `${target.repo}:${target.tag}`;
  const started = Date.now();
  logger.info({ image, from: fromImageId, packages }, 'packages: installing');
  try {
    const imageId = await withHeartbeat(logger, 'packages: still installing', HEARTBEAT_MS, () =>
      buildAptInstallImage(images, { from: fromImageId, suite, packages }, target, build.timeoutMs, logger),
    );
    logger.info({ image, imageId, durationMs: Date.now() - started }, 'packages: installed');
    return imageId;
  } catch (err) {
    if (err instanceof InvalidRootfsRecipeError) throw err;
    throw new PackageLayerBuildError({ packages, suite, from: fromImageId, reason: err instanceof Error ? err.message : String(err) }, { cause: err });
  }
}
