import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { InvalidRootfsRecipeError, RootfsBuildError } from './errors.js';
import type { ImageBackend } from './image-backend.js';
import { buildRootfsImage, type RootfsBuild } from './rootfs-builder.js';

const logger = pino({ level: 'silent' });
const target = { repo: 'codebox/rootfs', tag: 'test', labels: {} };

/** A backend that refuses every build the way dockerd does when the registry cannot be resolved. */
const unreachableRegistry = {
  build: () => Promise.reject(new Error('Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host')),
} as unknown as ImageBackend;

function build(overrides: Partial<RootfsBuild>): RootfsBuild {
  return {
    recipe: BASE_ROOTFS_RECIPE,
    choice: { source: 'registry', reason: 'CODEBOX_ROOTFS_SOURCE is registry' },
    target,
    workDir: '/nonexistent',
    registryTimeoutMs: 5_000,
    ...overrides,
  };
}

describe('buildRootfsImage', () => {
  it('turns a registry failure into a RootfsBuildError that says what failed, why this source, and what to do', async () => {
    const error = await buildRootfsImage(unreachableRegistry, build({}), logger).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RootfsBuildError);
    expect(error).toMatchObject({ name: 'RootfsBuildError', source: 'registry', suite: 'trixie' });
    const message = (error as Error).message;
    expect(message).toContain('FROM debian:trixie-slim failed (CODEBOX_ROOTFS_SOURCE is registry)');
    expect(message).toContain('no such host');
    expect(message).toContain('make one reachable, or install debootstrap and run the runner as root');
  });

  it('fails before building when the chosen debootstrap cannot run on this host', async () => {
    const untouchable = {} as ImageBackend;
    const choice = { source: 'debootstrap' as const, reason: 'CODEBOX_ROOTFS_SOURCE is debootstrap', unusable: 'debootstrap is not installed (not found on PATH)' };
    const error = await buildRootfsImage(untouchable, build({ choice }), logger).catch((err: unknown) => err);
    expect(error).toMatchObject({ name: 'RootfsBuildError', source: 'debootstrap' });
    expect((error as Error).message).toContain('with debootstrap failed (CODEBOX_ROOTFS_SOURCE is debootstrap): debootstrap is not installed');
    expect((error as Error).message).toContain('set CODEBOX_ROOTFS_SOURCE=registry');
  });

  it('passes an invalid recipe through as such: no source or registry would fix it', async () => {
    const recipe = { ...BASE_ROOTFS_RECIPE, packages: ['bash', '$(reboot)'] };
    await expect(buildRootfsImage(unreachableRegistry, build({ recipe }), logger)).rejects.toBeInstanceOf(InvalidRootfsRecipeError);
  });
});
