import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isDebianPackageName } from './debian-package-name.js';
import { KernelPackageListError } from './errors.js';

/**
 * The Debian packages the code interpreter's kernels need are the sandbox-agent package's to
 * decide (it owns the kernels), so the list is read from its source tree on every build and
 * never copied here: editing it there rebuilds `code-interpreter-v1`.
 */
export function defaultKernelPackageListPath(): string {
  return fileURLToPath(new URL('../../../sandbox-agent/kernels/debian-packages.txt', import.meta.url));
}

/** The list's package names in file order, each once. */
export async function readKernelPackages(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KernelPackageListError(path, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseKernelPackages(text, path);
}

/** One name a line; `#` starts a comment anywhere (no package name contains one). */
export function parseKernelPackages(text: string, path: string): string[] {
  const names = new Set<string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    if (!isDebianPackageName(line)) {
      throw new KernelPackageListError(path, `line ${index + 1} (${JSON.stringify(line)}) is not one Debian package name`);
    }
    names.add(line);
  });
  return [...names];
}
