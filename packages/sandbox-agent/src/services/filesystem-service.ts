import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { filesystemPb } from '@codebox/protocol';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { entryInfoOf, type EntryInfo } from './entry-info.js';
import { asUser } from './identity.js';
import { resolveSandboxPath } from './sandbox-path.js';
import { fromSystemError } from './system-error.js';
import type { SandboxUser, UserDirectory } from './user-directory.js';

/** A file opened with the user's identity; the caller streams it and must close `fd`. */
export interface OpenedFile {
  readonly fd: number;
  readonly path: string;
  readonly size: number;
}

/**
 * envd's file operations. Every path-based system call runs synchronously inside `asUser`,
 * so the kernel applies the requesting user's permissions (paths are never checked by
 * string). Errno failures become the agent errors the SDK maps (not found, denied, ...).
 */
export class FilesystemService {
  constructor(private readonly users: UserDirectory) {}

  resolve(user: SandboxUser, path: string): string {
    return resolveSandboxPath(user, path);
  }

  stat(user: SandboxUser, path: string): EntryInfo {
    const absolute = this.resolve(user, path);
    return this.run(user, absolute, () => entryInfoOf(absolute, this.users));
  }

  /** Entries below `path` down to `depth` levels (envd: depth 0 is treated as 1). */
  listDir(user: SandboxUser, path: string, depth: number): EntryInfo[] {
    const root = this.resolve(user, path);
    const maxDepth = Math.max(1, depth);
    return this.run(user, root, () => {
      if (!statSync(root).isDirectory()) throw new InvalidArgumentError(`'${root}' is not a directory; pass a directory path`);
      const entries: EntryInfo[] = [];
      const walk = (dir: string, level: number): void => {
        for (const name of readdirSync(dir).sort()) {
          const entry = entryInfoOf(posix.join(dir, name), this.users);
          entries.push(entry);
          // Symlinked directories are listed but not entered, so a link loop cannot recurse.
          if (level < maxDepth && entry.type === filesystemPb.FileType.DIRECTORY) {
            try {
              walk(entry.path, level + 1);
            } catch {
              // A subdirectory the user cannot read is listed but not expanded.
            }
          }
        }
      };
      walk(root, 1);
      return entries;
    });
  }

  makeDir(user: SandboxUser, path: string): EntryInfo {
    const absolute = this.resolve(user, path);
    return this.run(user, absolute, () => {
      if (exists(absolute)) throw new AlreadyExistsError(`'${absolute}' already exists`);
      mkdirSync(absolute, { recursive: true, mode: 0o755 });
      return entryInfoOf(absolute, this.users);
    });
  }

  move(user: SandboxUser, source: string, destination: string): EntryInfo {
    const from = this.resolve(user, source);
    const to = this.resolve(user, destination);
    return this.run(user, from, () => {
      mkdirSync(posix.dirname(to), { recursive: true, mode: 0o755 });
      renameSync(from, to);
      return entryInfoOf(to, this.users);
    });
  }

  remove(user: SandboxUser, path: string): void {
    const absolute = this.resolve(user, path);
    this.run(user, absolute, () => {
      // rmSync would report a missing path as success; envd answers not_found.
      if (!exists(absolute)) throw new NotFoundError(`path '${absolute}' does not exist`);
      rmSync(absolute, { recursive: true, force: false });
    });
  }

  openForRead(user: SandboxUser, path: string): OpenedFile {
    const absolute = this.resolve(user, path);
    return this.run(user, absolute, () => {
      const fd = openSync(absolute, constants.O_RDONLY | constants.O_NOCTTY);
      const stats = fstatSync(fd);
      if (stats.isDirectory()) {
        closeSync(fd);
        throw new InvalidArgumentError(`'${absolute}' is a directory; download files one at a time`);
      }
      return { fd, path: absolute, size: stats.size };
    });
  }

  /** Creates missing parent directories and truncates an existing file, as envd does. */
  openForWrite(user: SandboxUser, path: string): OpenedFile {
    const absolute = this.resolve(user, path);
    return this.run(user, absolute, () => {
      mkdirSync(posix.dirname(absolute), { recursive: true, mode: 0o755 });
      const fd = openSync(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOCTTY, 0o644);
      return { fd, path: absolute, size: 0 };
    });
  }

  /** Checks that `path` is a directory the user can enter (used for process cwd). */
  requireDirectory(user: SandboxUser, path: string): string {
    const absolute = this.resolve(user, path);
    try {
      asUser(user, () => {
        if (!statSync(absolute).isDirectory()) throw new Error('not a directory');
        closeSync(openSync(absolute, constants.O_RDONLY | constants.O_DIRECTORY));
      });
    } catch {
      throw new InvalidArgumentError(`cwd '${absolute}' does not exist or is not a directory the user can enter`);
    }
    return absolute;
  }

  private run<T>(user: SandboxUser, path: string, fn: () => T): T {
    try {
      return asUser(user, fn);
    } catch (error) {
      throw fromSystemError(error, path);
    }
  }
}

function exists(path: string): boolean {
  // lstat, so a dangling symlink still counts as occupying the name.
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
