import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import * as tar from 'tar-stream';
import { buildFromContext } from '../docker/image-builder.js';
import type { RootfsRecipe } from './base-rootfs-recipe.js';
import { InvalidRootfsRecipeError } from './errors.js';
import type { RootfsTarget } from './rootfs-target.js';

/** Debian policy for package names; anything else would be shell syntax in the RUN line. */
const DEBIAN_PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const DEBIAN_SUITE = /^[a-z]+$/;
/** One token, no quotes: it is written into the FROM line and an echo. Docker checks the rest. */
const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

/**
 * The registry path: the recipe's packages on top of the slim Debian image. Recommends stay out,
 * as with debootstrap, and apt's lists and caches go in the same layer so they never ship.
 * The suite check stops a retagged or misconfigured image from passing for the recipe's suite.
 */
export function registryRootfsDockerfile(recipe: RootfsRecipe): string {
  if (!IMAGE_REFERENCE.test(recipe.image)) throw new InvalidRootfsRecipeError(`image ${JSON.stringify(recipe.image)} is not an image reference`);
  if (!DEBIAN_SUITE.test(recipe.suite)) throw new InvalidRootfsRecipeError(`suite ${JSON.stringify(recipe.suite)} is not a Debian codename`);
  const invalid = recipe.packages.filter((name) => !DEBIAN_PACKAGE_NAME.test(name));
  if (invalid.length > 0) throw new InvalidRootfsRecipeError(`${invalid.map((n) => JSON.stringify(n)).join(', ')} are not Debian package names`);
  return [
    `FROM ${recipe.image}`,
    'RUN set -eu; \\',
    `    . /etc/os-release; [ "$VERSION_CODENAME" = ${recipe.suite} ] || { echo "${recipe.image} is $PRETTY_NAME, not Debian ${recipe.suite}" >&2; exit 1; }; \\`,
    '    apt-get update; \\',
    `    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${recipe.packages.join(' ')}; \\`,
    '    apt-get clean; \\',
    '    rm -rf /var/lib/apt/lists/*',
    '',
  ].join('\n');
}

/**
 * Builds the rootfs image from the registry's Debian image. The whole build is bounded: a
 * registry that accepts the connection and then stalls would otherwise hold the caller (and
 * the template build lock) forever; on the deadline the request is aborted, which cancels
 * the daemon's build.
 */
export async function buildRootfsFromRegistry(
  docker: Dockerode,
  recipe: RootfsRecipe,
  target: RootfsTarget,
  timeoutMs: number,
  logger: Logger,
): Promise<string> {
  const started = Date.now();
  const signal = AbortSignal.timeout(timeoutMs);
  logger.info({ from: recipe.image, packages: recipe.packages, timeoutMs }, 'rootfs from registry: building');
  try {
    const imageId = await buildFromContext(
      docker,
      dockerfileContext(registryRootfsDockerfile(recipe)),
      { tags: [`${target.repo}:${target.tag}`], labels: target.labels, signal },
      logger,
    );
    logger.info({ durationMs: Date.now() - started, imageId, image: `${target.repo}:${target.tag}` }, 'rootfs from registry: built');
    return imageId;
  } catch (err) {
    if (signal.aborted) {
      throw new Error(`no result within ${Math.round(timeoutMs / 1000)} s (the pull of ${recipe.image} or apt-get hung), so the build was cancelled`, {
        cause: err,
      });
    }
    throw err;
  }
}

function dockerfileContext(dockerfile: string): Readable {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile', mode: 0o644, mtime: new Date(0) }, dockerfile);
  pack.finalize();
  return pack as unknown as Readable;
}
