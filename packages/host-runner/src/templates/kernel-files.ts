import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Hex } from './content-hash.js';
import { AgentBundleInvalidError, AgentBundleMissingError } from './errors.js';

/** One kernel bridge file, as it will be in the image under /opt/codebox/kernels. */
export interface KernelFile {
  /** Relative to the kernels directory, `/`-separated. */
  path: string;
  /** 0o755 when the built file has any executable bit, else 0o644. */
  mode: number;
  content: Buffer;
  sha256: string;
}

/** The kernels directory of the agent build (dist/kernels), read whole: it is tens of kB. */
export interface KernelTree {
  /** Subdirectories, relative and `/`-separated, parents before children. */
  directories: string[];
  /** Sorted by path, so packing and hashing never depend on readdir's order. */
  files: KernelFile[];
}

const WHAT = 'code-interpreter kernels directory (dist/kernels of the agent build)';

/**
 * Reads every file under the kernels directory. Owners and most mode bits on the host are
 * whatever the build left; only "executable or not" carries over, so the image is the same on
 * every host. A missing or empty directory means the agent package is not (fully) built.
 */
export async function loadKernelTree(dir: string): Promise<KernelTree> {
  const root = await lstat(dir).catch(() => undefined);
  if (!root?.isDirectory()) throw new AgentBundleMissingError(dir, WHAT);
  const tree: KernelTree = { directories: [], files: [] };
  await walk(dir, '', tree);
  if (tree.files.length === 0) throw new AgentBundleInvalidError(dir, 'holds no kernel files (an interrupted agent build leaves it so)');
  tree.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return tree;
}

async function walk(root: string, relative: string, tree: KernelTree): Promise<void> {
  const names = (await readdir(join(root, relative))).sort();
  for (const name of names) {
    const path = relative ? `${relative}/${name}` : name;
    const absolute = join(root, path);
    // lstat: a symlink would make the image depend on whatever it points to on this host.
    const info = await lstat(absolute);
    if (info.isDirectory()) {
      tree.directories.push(path);
      await walk(root, path, tree);
    } else if (info.isFile()) {
      const content = await readFile(absolute);
      tree.files.push({ path, mode: (info.mode & 0o111) !== 0 ? 0o755 : 0o644, content, sha256: sha256Hex(content) });
    } else {
      throw new AgentBundleInvalidError(absolute, 'is neither a regular file nor a directory (the kernels directory holds only files the agent build copies)');
    }
  }
}
