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

/** One line of the list: a package and what a sandbox of the template must then be able to do. */
export interface KernelPackageEntry {
  name: string;
  /** Python modules that import once the package is installed (`import:M`). */
  imports: string[];
  /** Programs on PATH that answer `--version` (`run:P`). */
  programs: string[];
}

const PYTHON_MODULE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** A program name, not a path or a shell word: the check writes it into a command line. */
const PROGRAM = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;

/** The list's package names in file order, each once. */
export async function readKernelPackages(path: string): Promise<string[]> {
  return (await readKernelPackageList(path)).map((entry) => entry.name);
}

export async function readKernelPackageList(path: string): Promise<KernelPackageEntry[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new KernelPackageListError(path, `it cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseKernelPackageList(text, path);
}

/** Package names only, in file order, each once. */
export function parseKernelPackages(text: string, path: string): string[] {
  return parseKernelPackageList(text, path).map((entry) => entry.name);
}

/**
 * A package name first, then `import:M` / `run:P` checks, separated by blanks; `#` starts a
 * comment anywhere (no package name contains one). A package listed twice keeps its first
 * place and gathers the checks of both lines.
 */
export function parseKernelPackageList(text: string, path: string): KernelPackageEntry[] {
  const entries = new Map<string, KernelPackageEntry>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [name = '', ...checks] = line.split(/\s+/);
    const unusable = (what: string) => new KernelPackageListError(path, `line ${index + 1} (${JSON.stringify(line)}) ${what}`);
    if (!isDebianPackageName(name)) throw unusable('does not start with one Debian package name');
    const entry = entries.get(name) ?? { name, imports: [], programs: [] };
    entries.set(name, entry);
    for (const check of checks) {
      const [kind, value = ''] = check.split(/:(.*)/s);
      if (kind === 'import' && PYTHON_MODULE.test(value)) entry.imports.push(value);
      else if (kind === 'run' && PROGRAM.test(value)) entry.programs.push(value);
      else throw unusable(`has ${JSON.stringify(check)}, which is neither import:<Python module> nor run:<program>`);
    }
  });
  return [...entries.values()];
}
