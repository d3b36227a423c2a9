import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BASE_ROOTFS_RECIPE } from './base-rootfs-recipe.js';
import { DEFAULT_TEMPLATES, defaultTemplateRecipes } from './default-templates.js';
import { KernelPackageListError } from './errors.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-default-templates-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('defaultTemplateRecipes', () => {
  it('gives base the base recipe alone and code-interpreter-v1 the kernel packages base lacks, each once', async () => {
    const list = join(dir, 'list.txt');
    await writeFile(list, '# kernels\npython3\npython3-numpy\nr-base-core\npython3-numpy\ncurl\n');
    const [base, interpreter, ...rest] = await defaultTemplateRecipes(DEFAULT_TEMPLATES, BASE_ROOTFS_RECIPE, list);
    expect(rest).toEqual([]);
    expect(base).toEqual({ name: 'base', rootfs: BASE_ROOTFS_RECIPE, addedPackages: [] });
    expect(interpreter).toEqual({ name: 'code-interpreter-v1', rootfs: BASE_ROOTFS_RECIPE, addedPackages: ['python3-numpy', 'r-base-core'] });
  });

  it('reads the list only when a template wants the kernel packages, and passes its errors on', async () => {
    const missing = join(dir, 'missing.txt');
    const plain = await defaultTemplateRecipes([{ name: 'plain', kernelPackages: false }], BASE_ROOTFS_RECIPE, missing);
    expect(plain).toEqual([{ name: 'plain', rootfs: BASE_ROOTFS_RECIPE, addedPackages: [] }]);
    await expect(defaultTemplateRecipes(DEFAULT_TEMPLATES, BASE_ROOTFS_RECIPE, missing)).rejects.toBeInstanceOf(KernelPackageListError);
  });
});
