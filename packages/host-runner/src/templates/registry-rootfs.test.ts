import { describe, expect, it } from 'vitest';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { InvalidRootfsRecipeError } from './errors.js';
import { registryRootfsDockerfile } from './registry-rootfs.js';

describe('registryRootfsDockerfile', () => {
  const dockerfile = registryRootfsDockerfile(BASE_ROOTFS_RECIPE);
  const lines = dockerfile.split('\n');

  it('starts FROM the recipe image and installs exactly the recipe packages without recommends', () => {
    expect(lines[0]).toBe('FROM debian:trixie-slim');
    const install = lines.find((line) => line.includes('apt-get install'));
    expect(install).toBeDefined();
    expect(install).toContain('--no-install-recommends');
    const packages = install?.replace(/;.*$/, '').split(' ').filter(Boolean).slice(-BASE_ROOTFS_RECIPE.packages.length - 1);
    expect(packages).toEqual(['--no-install-recommends', ...BASE_ROOTFS_RECIPE.packages]);
  });

  it('is a single RUN that checks the suite first and removes apt lists and caches last', () => {
    expect(lines.filter((line) => line.startsWith('RUN'))).toHaveLength(1);
    const order = ['VERSION_CODENAME" = trixie', 'apt-get update', 'apt-get install', 'apt-get clean', 'rm -rf /var/lib/apt/lists/*'];
    const positions = order.map((needle) => dockerfile.indexOf(needle));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(dockerfile.trimEnd().endsWith('rm -rf /var/lib/apt/lists/*')).toBe(true);
  });

  it('follows the recipe, so a changed package list or image changes the Dockerfile', () => {
    const custom = registryRootfsDockerfile({ ...BASE_ROOTFS_RECIPE, image: 'mirror.example/debian:trixie-slim', packages: ['bash', 'g++'] });
    expect(custom).toMatch(/^FROM mirror\.example\/debian:trixie-slim\n/);
    expect(custom).toContain('--no-install-recommends bash g++;');
  });

  it('rejects package names, suites and images that would not stay one word instead of putting them in a shell line', () => {
    expect(() => registryRootfsDockerfile({ ...BASE_ROOTFS_RECIPE, packages: ['bash', 'curl; rm -rf /'] })).toThrow(InvalidRootfsRecipeError);
    expect(() => registryRootfsDockerfile({ ...BASE_ROOTFS_RECIPE, packages: ['Bash'] })).toThrow(/"Bash" are not Debian package names/);
    expect(() => registryRootfsDockerfile({ ...BASE_ROOTFS_RECIPE, suite: 'trixie"' })).toThrow(/not a Debian codename/);
    expect(() => registryRootfsDockerfile({ ...BASE_ROOTFS_RECIPE, image: 'debian:trixie-slim\nRUN id' })).toThrow(/not an image reference/);
  });
});
