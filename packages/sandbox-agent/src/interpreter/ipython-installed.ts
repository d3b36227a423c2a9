import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether the system `python3` can likely import IPython, which the python kernel's bridge needs:
 * its package in Debian's `dist-packages` or in a `/usr/local` Python's `dist-packages` or
 * `site-packages`. Only decides whether the agent starts the default python kernel ahead of use
 * (`warmUp`): a template without IPython (`base`) would spend the first command's CPU on a
 * kernel that exits at once. A miss (IPython only in a virtualenv) costs the warm-up, nothing else:
 * the kernel still starts on first use.
 */
export function ipythonInstalled(root = '/'): boolean {
  const candidates = [join(root, 'usr/lib/python3/dist-packages')];
  for (const lib of [join(root, 'usr/local/lib'), join(root, 'usr/lib')]) {
    let names: string[];
    try {
      names = readdirSync(lib);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^python3(\.\d+)?$/.test(name)) continue;
      candidates.push(join(lib, name, 'dist-packages'), join(lib, name, 'site-packages'));
    }
  }
  return candidates.some((dir) => existsSync(join(dir, 'IPython', '__init__.py')));
}
