import type { RootfsRecipe } from './base-rootfs-recipe.js';
import { readKernelPackages } from './kernel-packages.js';

/** A template every runner provides, and what its Debian tree holds beyond the base packages. */
export interface DefaultTemplate {
  name: string;
  /** Adds the kernels' packages (IPython, numpy, R, a JDK, …) so the code interpreter can run them. */
  kernelPackages: boolean;
}

/**
 * `base` is the plain tree; `code-interpreter-v1` is what the E2B code-interpreter SDK starts,
 * so it carries every language runtime. The kernel bridges themselves are in both (they are
 * part of the agent layer); only the runtimes make the difference.
 */
export const DEFAULT_TEMPLATES: readonly DefaultTemplate[] = [
  { name: 'base', kernelPackages: false },
  { name: 'code-interpreter-v1', kernelPackages: true },
];

/** How one default template's Debian tree is made. */
export interface TemplateRecipe {
  name: string;
  /** The tree it starts from, built by the chosen source (debootstrap or registry). */
  rootfs: RootfsRecipe;
  /** Installed on that tree with apt-get; none of rootfs.packages, each once, in list order. */
  addedPackages: readonly string[];
}

/**
 * Every default template starts from the base recipe; those that want the kernels' packages add
 * the ones the base lacks. The list is read only when some template needs it.
 */
export async function defaultTemplateRecipes(
  templates: readonly DefaultTemplate[],
  base: RootfsRecipe,
  kernelPackageListPath: string,
): Promise<TemplateRecipe[]> {
  const kernelPackages = templates.some((t) => t.kernelPackages) ? await readKernelPackages(kernelPackageListPath) : [];
  const added = kernelPackages.filter((name) => !base.packages.includes(name));
  return templates.map((template) => ({ name: template.name, rootfs: base, addedPackages: template.kernelPackages ? added : [] }));
}
