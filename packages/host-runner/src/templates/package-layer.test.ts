import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InvalidRootfsRecipeError, PackageLayerBuildError } from './errors.js';
import type { ImageBackend } from './image-backend.js';
import { buildPackageLayer, type PackageLayerBuild } from './package-layer.js';

const logger = pino({ level: 'silent' });

/** A backend whose build fails the way apt-get does for a name the archive lacks. */
const aptFails = {
  build: () => Promise.reject(new Error("The command '/bin/sh -c set -eu; ...' returned a non-zero code: 100 (E: Unable to locate package r-cran-nope)")),
} as unknown as ImageBackend;

const build: PackageLayerBuild = {
  fromImageId: 'sha256:6f5334a80fac',
  suite: 'trixie',
  packages: ['python3-numpy', 'r-cran-nope'],
  target: { repo: 'codebox/rootfs', tag: 'test', labels: {} },
  timeoutMs: 5_000,
};

describe('buildPackageLayer', () => {
  it('turns a failed apt-get into a PackageLayerBuildError naming the packages, the tree, the cause and the list to fix', async () => {
    const error = await buildPackageLayer(aptFails, build, logger).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PackageLayerBuildError);
    expect(error).toMatchObject({ name: 'PackageLayerBuildError', packages: build.packages });
    const message = (error as Error).message;
    expect(message).toContain('Installing 2 Debian packages (python3-numpy r-cran-nope) with apt-get on sha256:6f5334a80fac failed');
    expect(message).toContain('Unable to locate package r-cran-nope');
    expect(message).toContain('packages/sandbox-agent/kernels/debian-packages.txt');
  });

  it('refuses names that are not package names before asking the daemon', async () => {
    const untouchable = {} as ImageBackend;
    await expect(buildPackageLayer(untouchable, { ...build, packages: ['ok', 'x; reboot'] }, logger)).rejects.toBeInstanceOf(InvalidRootfsRecipeError);
  });
});
