import { describe, expect, it } from 'vitest';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { agentLayerHash, rootfsHash } from './content-hash.js';

const inputs = { templateName: 'base', baseImageId: 'sha256:aa', agentSha256: 'a1', sandboxExecSha256: 'e1', nodeVersion: 'v22.1.0' };

describe('content hashes', () => {
  it.each(['debootstrap', 'registry'] as const)('ignore package order and the mirror, but not the package set or suite (%s)', (source) => {
    const h = rootfsHash(BASE_ROOTFS_RECIPE, source);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, packages: [...BASE_ROOTFS_RECIPE.packages].reverse() }, source)).toBe(h);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, mirror: 'http://mirror.example/debian' }, source)).toBe(h);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, packages: [...BASE_ROOTFS_RECIPE.packages, 'vim'] }, source)).not.toBe(h);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, suite: 'bookworm' }, source)).not.toBe(h);
    expect(h).toMatch(/^[0-9a-f]{24}$/);
  });

  it('differ by source, and each source depends only on its own inputs', () => {
    const debootstrap = rootfsHash(BASE_ROOTFS_RECIPE, 'debootstrap');
    const registry = rootfsHash(BASE_ROOTFS_RECIPE, 'registry');
    expect(registry).not.toBe(debootstrap);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, image: 'debian:trixie' }, 'registry')).not.toBe(registry);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, image: 'debian:trixie' }, 'debootstrap')).toBe(debootstrap);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, variant: 'buildd' }, 'debootstrap')).not.toBe(debootstrap);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, variant: 'buildd' }, 'registry')).toBe(registry);
  });

  it('change the agent layer hash with every input', () => {
    const h = agentLayerHash(inputs);
    for (const key of Object.keys(inputs) as (keyof typeof inputs)[]) {
      expect(agentLayerHash({ ...inputs, [key]: `${inputs[key]}x` })).not.toBe(h);
    }
    expect(agentLayerHash({ ...inputs })).toBe(h);
  });
});
