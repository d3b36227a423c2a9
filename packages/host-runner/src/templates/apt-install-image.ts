import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import * as tar from 'tar-stream';
import { isDebianPackageName } from './debian-package-name.js';
import { InvalidRootfsRecipeError } from './errors.js';
import type { ImageBackend } from './image-backend.js';
import type { RootfsTarget } from './rootfs-target.js';

/** An image made by `apt-get install` on top of a Debian image. */
export interface AptInstallSpec {
  /** Image reference or id the Dockerfile starts FROM; must be Debian `suite`. */
  from: string;
  suite: string;
  packages: readonly string[];
}

const DEBIAN_SUITE = /^[a-z]+$/;
/** One token, no quotes: it is written into the FROM line and an echo. Docker checks the rest. */
const IMAGE_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/;

/**
 * Recommends stay out, as with debootstrap, and apt's lists and caches go in the same layer so
 * they never ship. The suite check stops a retagged or misconfigured image from passing for the
 * suite. Every value is checked first: they are written into a shell line.
 */
export function aptInstallDockerfile(spec: AptInstallSpec): string {
  const { from, suite, packages } = spec;
  if (!IMAGE_REFERENCE.test(from)) throw new InvalidRootfsRecipeError(`image ${JSON.stringify(from)} is not an image reference`);
  if (!DEBIAN_SUITE.test(suite)) throw new InvalidRootfsRecipeError(`suite ${JSON.stringify(suite)} is not a Debian codename`);
  const invalid = packages.filter((name) => !isDebianPackageName(name));
  if (invalid.length > 0) throw new InvalidRootfsRecipeError(`${invalid.map((n) => JSON.stringify(n)).join(', ')} are not Debian package names`);
  return [
    `FROM ${from}`,
    'RUN set -eu; \\',
    `    . /etc/os-release; [ "$VERSION_CODENAME" = ${suite} ] || { echo "${from} is $PRETTY_NAME, not Debian ${suite}" >&2; exit 1; }; \\`,
    '    apt-get update; \\',
    // No fsync per unpacked file: a build that dies leaves no layer anyway. code-interpreter-v1's
    // ~1000 packages took 588 s so against 843 s without, on the shared machine (load 10-20).
    `    DEBIAN_FRONTEND=noninteractive apt-get install -y -o Dpkg::Options::=--force-unsafe-io --no-install-recommends ${packages.join(' ')}; \\`,
    '    apt-get clean; \\',
    '    rm -rf /var/lib/apt/lists/*',
    '',
  ].join('\n');
}

/**
 * Builds the image. The whole build is bounded: a registry or mirror that accepts the connection
 * and then stalls would otherwise hold the caller (and the template build lock) forever; on the
 * deadline the request is aborted, which cancels the daemon's build.
 */
export async function buildAptInstallImage(
  images: ImageBackend,
  spec: AptInstallSpec,
  target: RootfsTarget,
  timeoutMs: number,
  logger: Logger,
): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await images.build(
      dockerfileContext(aptInstallDockerfile(spec)),
      { tags: [`${target.repo}:${target.tag}`], labels: target.labels, signal },
      logger,
    );
  } catch (err) {
    if (signal.aborted) {
      throw new Error(`no result within ${Math.round(timeoutMs / 1000)} s (the pull of ${spec.from} or apt-get hung), so the build was cancelled`, {
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
