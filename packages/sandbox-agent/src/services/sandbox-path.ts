import { posix } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import type { SandboxUser } from './user-directory.js';

/** Linux PATH_MAX and NAME_MAX: longer input can never name a file, so it is refused early. */
export const MAX_PATH_LENGTH = 4096;
export const MAX_NAME_LENGTH = 255;

/**
 * Makes a request path absolute (relative paths are relative to the user's home, as envd
 * does). This is not a security check: `..` and symlinks are left to the kernel, which
 * decides under the user's identity what the path may reach.
 */
export function resolveSandboxPath(user: SandboxUser, path: string): string {
  if (path.includes('\0')) throw new InvalidArgumentError('path contains a NUL byte; remove it');
  if (Buffer.byteLength(path) > MAX_PATH_LENGTH) {
    throw new InvalidArgumentError(`path is longer than ${MAX_PATH_LENGTH} bytes; use a shorter path`);
  }
  const absolute = posix.resolve(user.home, path === '' ? '.' : path);
  for (const name of absolute.split('/')) {
    if (Buffer.byteLength(name) > MAX_NAME_LENGTH) {
      throw new InvalidArgumentError(
        `path component '${name.slice(0, 40)}…' is longer than ${MAX_NAME_LENGTH} bytes; use a shorter name`,
      );
    }
  }
  return absolute;
}
