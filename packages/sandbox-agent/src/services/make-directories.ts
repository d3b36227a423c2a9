import { lstatSync, mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { isErrnoError } from './system-error.js';

/**
 * `mkdir -p` whose failure carries the errno of the directory that could not be made.
 * Node's recursive mkdirSync reports any failure other than EACCES/EPERM/ENOTDIR as the stat of
 * the path it was making, so a read-only root (EROFS at `/0`) came back as ENOENT and a write
 * the user may not make read as "does not exist". Must run inside `asUser`.
 */
export function makeDirectories(dir: string, mode: number): void {
  const missing: string[] = [];
  // lstat, so a dangling link is not "missing" (mkdir over it then fails with EEXIST, as it should).
  for (let current = dir; lstatSync(current, { throwIfNoEntry: false }) === undefined; ) {
    missing.push(current);
    const parent = posix.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const directory of missing.reverse()) {
    try {
      mkdirSync(directory, { mode });
    } catch (error) {
      // Made meanwhile by someone else: what this call wanted exists.
      if (!(isErrnoError(error) && error.code === 'EEXIST')) throw error;
    }
  }
}
