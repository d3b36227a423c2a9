import { describe, expect, it } from 'vitest';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { agentLayerHash, rootfsHash } from './content-hash.js';

const inputs = { templateName: 'base', baseImageId: 'sha256:aa', agentSha256: 'a1', sandboxExecSha256: 'e1', nodeVersion: 'v22.1.0' };

describe('content hashes', () => {
  it('ignore package order and the mirror, but not the package set or suite', () => {
    const h = rootfsHash(BASE_ROOTFS_RECIPE);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, packages: [...BASE_ROOTFS_RECIPE.packages].reverse() })).toBe(h);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, mirror: 'http://mirror.example/debian' })).toBe(h);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, packages: [...BASE_ROOTFS_RECIPE.packages, 'vim'] })).not.toBe(h);
    expect(rootfsHash({ ...BASE_ROOTFS_RECIPE, suite: 'bookworm' })).not.toBe(h);
    expect(h).toMatch(/^[0-9a-f]{24}$/);
  });

  it('change the agent layer hash with every input', () => {
    const h = agentLayerHash(inputs);
    for (const key of Object.keys(inputs) as (keyof typeof inputs)[]) {
      expect(agentLayerHash({ ...inputs, [key]: `${inputs[key]}x` })).not.toBe(h);
    }
    expect(agentLayerHash({ ...inputs })).toBe(h);
  });
});
