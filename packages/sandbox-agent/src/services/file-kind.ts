import { statSync, type Stats } from 'node:fs';
import { NotARegularFileError } from '../errors.js';

/** What a non-regular file is, for the caller's error message. */
export function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a unix socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * The error for an open of `path` that failed with `error`: NotARegularFileError when `path`
 * names a FIFO, socket or device, else `error` unchanged (the caller maps its errno).
 *
 * The errno alone does not say it, and it differs by runtime: Linux answers a non-blocking open of
 * a unix socket and of `/dev/tty` (no controlling terminal) with ENXIO, gVisor answers the socket
 * with EACCES and the terminal with an errno of its own, so one errno table would turn the
 * same request into `permission_denied` or a 500 depending on where the sandbox runs. The type is
 * asked of the path (following symbolic links, like the open) only after the open failed, so it
 * cannot race a successful open; it runs with the caller's identity, and a stat that fails (no
 * search permission, no such path) leaves the open's own error to speak.
 */
export function refusedOpen(error: unknown, path: string): unknown {
  let stats: Stats | undefined;
  try {
    stats = statSync(path, { throwIfNoEntry: false });
  } catch {
    return error;
  }
  if (stats === undefined || stats.isFile() || stats.isDirectory()) return error;
  return new NotARegularFileError(path, kindOf(stats));
}
