import { opendirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { NotARegularFileError } from '../errors.js';

type Kinded = Pick<Stats, 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'>;

/** What a non-regular file is, for the caller's error message. */
export function kindOf(stats: Kinded): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a unix socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const isSpecial = (entry: Kinded): boolean => entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice();

/** Entries looked at in a parent directory before giving up (ListDir's own bound). */
const MAX_SCANNED_ENTRIES = 100_000;

/**
 * The directory entry naming `path` (its d_type, not a stat), when `path` names a FIFO, socket or
 * device and no stat can say so: gVisor's gofer refuses every stat and open of a unix socket on a
 * host-backed mount (/home/user) with EPERM, even for root, while readdir still reports DT_SOCK.
 * Undefined for any other entry, one not found within MAX_SCANNED_ENTRIES, or an unreadable
 * directory. A symbolic link is not followed: the caller's stat already did that where it could.
 */
export function specialEntryOf(path: string): Dirent | undefined {
  const name = posix.basename(path);
  let dir;
  try {
    dir = opendirSync(posix.dirname(path));
  } catch {
    return undefined;
  }
  try {
    let scanned = 0;
    for (let entry = dir.readSync(); entry !== null && scanned < MAX_SCANNED_ENTRIES; entry = dir.readSync(), scanned++) {
      if (entry.name === name) return isSpecial(entry) ? entry : undefined;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    dir.closeSync();
  }
}

/**
 * The error for an open of `path` that failed with `error`: NotARegularFileError when `path`
 * names a FIFO, socket or device, else `error` unchanged (the caller maps its errno).
 *
 * The errno alone does not say it, and it differs by runtime: Linux answers a non-blocking open of
 * a unix socket and of `/dev/tty` (no controlling terminal) with ENXIO; gVisor answers `/dev/tty`
 * with EIO and a unix socket in /home/user with EPERM (its stat too, see specialEntryOf), so
 * one errno table would turn the same request into `permission_denied` or a 500 depending on
 * where the sandbox runs. The type is asked only after the open failed, so it cannot race a
 * successful open; it runs with the caller's identity, and when neither a stat nor the directory
 * entry names a special file, the open's own error speaks.
 */
export function refusedOpen(error: unknown, path: string): unknown {
  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    const entry = specialEntryOf(path);
    return entry ? new NotARegularFileError(path, kindOf(entry)) : error;
  }
  if (stats === undefined || !isSpecial(stats)) return error;
  return new NotARegularFileError(path, kindOf(stats));
}
