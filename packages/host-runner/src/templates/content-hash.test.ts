import { describe, expect, it } from 'vitest';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { agentLayerHash, packageLayerHash, rootfsHash } from './content-hash.js';

const kernels = {
  directories: ['python', 'r'],
  files: [
    { path: 'python/bridge.py', mode: 0o644, sha256: 'p1' },
    { path: 'r/bridge.R', mode: 0o644, sha256: 'r1' },
  ],
};
const scalars = { templateName: 'base', baseImageId: 'sha256:aa', agentSha256: 'a1', sandboxExecSha256: 'e1', nodeVersion: 'v22.1.0' };
const inputs = { ...scalars, kernels };

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

  it('key a package layer by the tree below and the added set, in any order', () => {
    const h = packageLayerHash('base1', ['python3-numpy', 'r-base-core']);
    expect(packageLayerHash('base1', ['r-base-core', 'python3-numpy'])).toBe(h);
    expect(packageLayerHash('base2', ['python3-numpy', 'r-base-core'])).not.toBe(h);
    expect(packageLayerHash('base1', ['python3-numpy'])).not.toBe(h);
    expect(packageLayerHash('base1', ['python3-numpy', 'r-base-core', 'openjdk-21-jdk-headless'])).not.toBe(h);
    expect(h).toMatch(/^[0-9a-f]{24}$/);
  });

  it('change the agent layer hash with every input', () => {
    const h = agentLayerHash(inputs);
    for (const key of Object.keys(scalars) as (keyof typeof scalars)[]) {
      expect(agentLayerHash({ ...inputs, [key]: `${scalars[key]}x` })).not.toBe(h);
    }
    expect(agentLayerHash({ ...inputs, kernels: structuredClone(kernels) })).toBe(h);
    // The gVisor shim's bytes count; without one (agent doubles) the hash is what it always was.
    const withShim = agentLayerHash({ ...inputs, gvisorCompatSha256: 's1' });
    expect(withShim).not.toBe(h);
    expect(agentLayerHash({ ...inputs, gvisorCompatSha256: 's2' })).not.toBe(withShim);
    // So do the add-ons' names and bytes, in any order; none is the hash it always was.
    expect(agentLayerHash({ ...inputs, addons: [] })).toBe(h);
    const a = { name: 'a.node', sha256: 'a1' };
    const b = { name: 'b.node', sha256: 'b1' };
    const withAddons = agentLayerHash({ ...inputs, addons: [a, b] });
    expect(withAddons).not.toBe(h);
    expect(agentLayerHash({ ...inputs, addons: [b, a] })).toBe(withAddons);
    expect(agentLayerHash({ ...inputs, addons: [a, { ...b, sha256: 'b2' }] })).not.toBe(withAddons);
    expect(agentLayerHash({ ...inputs, addons: [a, { ...b, name: 'c.node' }] })).not.toBe(withAddons);
  });

  it("change the agent layer hash with every kernel file's path, mode and bytes, and with the directories", () => {
    const h = agentLayerHash(inputs);
    const [py, r] = kernels.files as [(typeof kernels.files)[0], (typeof kernels.files)[0]];
    const withFiles = (files: typeof kernels.files) => agentLayerHash({ ...inputs, kernels: { ...kernels, files } });
    expect(withFiles([{ ...py, sha256: 'p2' }, r])).not.toBe(h);
    expect(withFiles([{ ...py, mode: 0o755 }, r])).not.toBe(h);
    expect(withFiles([{ ...py, path: 'python/kernel.py' }, r])).not.toBe(h);
    expect(withFiles([py])).not.toBe(h);
    expect(withFiles([py, r, { path: 'r/extra.R', mode: 0o644, sha256: 'x' }])).not.toBe(h);
    expect(agentLayerHash({ ...inputs, kernels: { ...kernels, directories: ['python', 'r', 'java'] } })).not.toBe(h);
    // A directory named like a file is a different tree.
    expect(agentLayerHash({ ...inputs, kernels: { directories: ['python', 'r', 'python/bridge.py'], files: [r] } })).not.toBe(h);
    expect(agentLayerHash({ ...inputs, kernels: undefined })).not.toBe(h);
    expect(agentLayerHash({ ...inputs, kernels: { directories: [], files: [] } })).not.toBe(agentLayerHash({ ...inputs, kernels: undefined }));
  });
});
