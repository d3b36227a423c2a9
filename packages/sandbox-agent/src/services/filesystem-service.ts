import { closeSync, constants, fchownSync, fstatSync, ftruncateSync, lstatSync, openSync, opendirSync, renameSync, rmSync, statSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { filesystemPb } from '@codebox/protocol';
import { AlreadyExistsError, InvalidArgumentError, NotARegularFileError } from '../errors.js';
import { entryInfoOf, memoizedOwnerNames, type EntryInfo } from './entry-info.js';
import { hasMetadata, readMetadata, setMetadata, type FileMetadata } from './file-metadata.js';
import { kindOf, refusedOpen } from './file-kind.js';
import { asUser } from './identity.js';
import { makeDirectories } from './make-directories.js';
import { resolveSandboxPath } from './sandbox-path.js';
import { fromSystemError } from './system-error.js';
import type { SandboxUser, UserDirectory } from './user-directory.js';

/** A file opened with the user's identity; the caller streams it and must close `fd`. */
export interface OpenedFile {
  readonly fd: number;
  readonly path: string;
  /** st_size at open. 0 also for files that do not know their size (`/proc`, `/sys`). */
  readonly size: number;
}

/**
 * Most entries one ListDir answers. Each entry costs an lstat and memory for its reply, and the
 * agent does it on its only thread; past this the caller is told to list less.
 */
export const MAX_LIST_ENTRIES = 100_000;

/**
 * Every open of a user-named path is non-blocking: opening a FIFO without a writer (or, for
 * writing, without a reader) otherwise blocks forever, and these opens run on the agent's one
 * JavaScript thread (they are synchronous because the identity switch in `asUser` is). For
 * regular files O_NONBLOCK changes nothing. O_NOCTTY: opening a terminal must not make it ours.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_NOCTTY | constants.O_NONBLOCK;

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
      // passwd/group are read once per listing, not once per entry.
      const owners = memoizedOwnerNames(this.users);
      const tooMany = (): InvalidArgumentError =>
        new InvalidArgumentError(
          `'${root}' holds more than ${MAX_LIST_ENTRIES} entries down to depth ${maxDepth}; list a subdirectory or a smaller depth`,
        );
      const walk = (dir: string, level: number): void => {
        for (const name of boundedNames(dir, MAX_LIST_ENTRIES - entries.length, tooMany)) {
          const entry = entryInfoOf(posix.join(dir, name), owners);
          entries.push(entry);
          // Symlinked directories (type DIRECTORY, with a target) are listed but not entered, so a link loop cannot recurse.
          if (level < maxDepth && entry.type === filesystemPb.FileType.DIRECTORY && entry.symlinkTarget === undefined) {
            try {
              walk(entry.path, level + 1);
            } catch (error) {
              // Only the entry cap is an agent error here; errno failures are unreadable subdirectories.
              if (error instanceof InvalidArgumentError) throw error;
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
      makeDirectories(absolute, 0o755);
      return entryInfoOf(absolute, this.users);
    });
  }

  move(user: SandboxUser, source: string, destination: string): EntryInfo {
    const from = this.resolve(user, source);
    const to = this.resolve(user, destination);
    return this.run(user, from, () => {
      makeDirectories(posix.dirname(to), 0o755);
      renameSync(from, to);
      return entryInfoOf(to, this.users);
    });
  }

  /** envd's Remove is `os.RemoveAll`: a path that does not exist is removed already (success). */
  remove(user: SandboxUser, path: string): void {
    const absolute = this.resolve(user, path);
    this.run(user, absolute, () => rmSync(absolute, { recursive: true, force: true }));
  }

  /**
   * Opens a regular file for reading. The type is checked with fstat on the opened descriptor
   * (an lstat first would race with a swap of the name); FIFOs, sockets and devices are
   * refused, because reading them can block forever or never end (`/dev/zero`).
   */
  openForRead(user: SandboxUser, path: string): OpenedFile {
    const absolute = this.resolve(user, path);
    return this.run(user, absolute, () => {
      const fd = openUserFile(absolute, READ_FLAGS);
      const stats = regularFileOrClose(fd, absolute, 'read');
      return { fd, path: absolute, size: stats.size };
    });
  }

  /**
   * Creates missing parent directories and truncates an existing file, as envd does. Only a
   * regular file is written; the truncation happens after that check, so refusing a FIFO or
   * a device changes nothing.
   *
   * The inotify events match envd's upload, which watchers (and E2B's tests) count: envd chowns
   * every file it writes to the writing user, so a new file gives CREATE, an attribute change,
   * then WRITE. The same no-op chown is made here (the file is already the user's), and an empty
   * file is not truncated, which would add a modify event of its own.
   */
  openForWrite(user: SandboxUser, path: string, metadata?: FileMetadata): OpenedFile {
    const absolute = this.resolve(user, path);
    return this.run(user, absolute, () => {
      makeDirectories(posix.dirname(absolute), 0o755);
      const existed = occupied(absolute);
      const fd = openUserFile(absolute, WRITE_FLAGS, 0o644);
      const stats = regularFileOrClose(fd, absolute, 'write');
      try {
        chownToWriter(fd, user);
        // Metadata first, before any data is touched: where it cannot be kept, the upload is
        // refused and leaves things as they were (a file it created is removed again).
        if (hasMetadata(metadata)) {
          try {
            setMetadata(absolute, metadata);
          } catch (error) {
            if (!existed) rmSync(absolute, { force: true });
            throw error;
          }
        }
        if (stats.size > 0) ftruncateSync(fd, 0);
      } catch (error) {
        closeSync(fd);
        throw error;
      }
      return { fd, path: absolute, size: 0 };
    });
  }

  /**
   * After the data of a file opened by openForWrite is written: clears metadata a previous upload
   * left (when this one set none; openForWrite set it otherwise) and reads back what the file
   * keeps, for the upload's answer, as envd does.
   */
  finishWrite(user: SandboxUser, file: OpenedFile, metadata: FileMetadata | undefined): FileMetadata | undefined {
    return this.run(user, file.path, () => {
      if (!hasMetadata(metadata)) setMetadata(file.path, {});
      return readMetadata(file.path);
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

/**
 * envd's chown of a written file to the writing user. Best effort: a file the user may write but
 * does not own (group-writable) cannot be given away, and the write goes on as in envd's
 * pre-chown of an existing file.
 */
function chownToWriter(fd: number, user: SandboxUser): void {
  try {
    fchownSync(fd, user.uid, user.gid);
  } catch {
    // Not the owner: ownership stays as it is.
  }
}

/** The fstat of `fd` if it is a regular file; otherwise `fd` is closed and the caller told why. */
function regularFileOrClose(fd: number, path: string, verb: 'read' | 'write'): Stats {
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (stats.isFile()) return stats;
  closeSync(fd);
  if (stats.isDirectory()) throw new InvalidArgumentError(`'${path}' is a directory; ${verb} files one at a time`);
  throw new NotARegularFileError(path, kindOf(stats));
}

/** openSync, but a failure on a FIFO, socket or device says so whatever errno the runtime chose. */
function openUserFile(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags, mode);
  } catch (error) {
    throw refusedOpen(error, path);
  }
}

/**
 * Up to `limit` names of `dir`, sorted, read one by one so a directory of millions of entries
 * is neither loaded whole nor walked to the end before the caller is refused.
 */
function boundedNames(dir: string, limit: number, tooMany: () => Error): string[] {
  const handle = opendirSync(dir);
  const names: string[] = [];
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      if (names.length >= limit) throw tooMany();
      names.push(entry.name);
    }
  } finally {
    handle.closeSync();
  }
  return names.sort();
}

/**
 * Whether something is at `path`, for deciding what a refused upload may remove: anything but a
 * clear "no such entry" counts as occupied (gVisor answers even lstat of a unix socket with EPERM;
 * the open that follows says what is wrong with it).
 */
function occupied(path: string): boolean {
  try {
    return exists(path);
  } catch {
    return true;
  }
}

function exists(path: string): boolean {
  // lstat, so a dangling symlink still counts as occupying the name.
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}
