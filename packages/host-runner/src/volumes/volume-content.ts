import { constants, createReadStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { InvalidVolumeRequestError, VolumePathExistsError, VolumePathNotFoundError, VolumeStorageFullError } from './errors.js';

/** E2B's `VolumeEntryStat` (spec/openapi-volumecontent.yml). */
export interface VolumeEntryStat {
  name: string;
  type: 'unknown' | 'file' | 'directory' | 'symlink';
  /** Absolute inside the volume, `/`-separated. */
  path: string;
  size: number;
  /** Permission bits only (E2B reports 0o644 for a file written with mode 0o644). */
  mode: number;
  uid: number;
  gid: number;
  atime: string;
  mtime: string;
  ctime: string;
  target?: string;
}

/** Who owns what the content API creates unless the request names ids: the volume's canonical `user`. */
export interface VolumeOwnership {
  uid?: number;
  gid?: number;
  mode?: number;
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_DIRECTORY, O_NONBLOCK } = constants;
const OPEN_DIR = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
/** Largest uid/gid a request may set (uint32 minus the invalid id). */
const MAX_ID = 4_294_967_294;

/**
 * The volume content API's file operations on a volume's host directory, done as root (they must
 * set any uid/gid the caller names) and therefore never following a symlink: sandboxes write to
 * the same filesystem at the same time, so a path checked once could be swapped for a link to
 * the host's files a moment later. Every component is opened with O_NOFOLLOW relative to its
 * parent's open descriptor (`/proc/self/fd/<fd>/<name>`: Node has no openat), and every operation
 * acts on a descriptor or on one name inside a held directory. A symlink inside the path is
 * refused (400); one at the end is reported (stat, list) or removed, never followed.
 */
export class VolumeContent {
  constructor(
    private readonly root: string,
    private readonly defaultOwner: { uid: number; gid: number },
  ) {}

  async stat(path: string): Promise<VolumeEntryStat> {
    const parts = splitVolumePath(path);
    return this.inParent(parts, async (dir, leaf) => entryStat(at(dir, leaf), joinVolumePath(parts)));
  }

  async list(path: string, depth: number): Promise<VolumeEntryStat[]> {
    const parts = splitVolumePath(path);
    const dir = await this.openDir(parts);
    try {
      const out: VolumeEntryStat[] = [];
      await listInto(dir, parts, Math.max(1, depth), out);
      return out;
    } finally {
      await dir.close();
    }
  }

  async makeDir(path: string, options: VolumeOwnership & { force?: boolean }): Promise<VolumeEntryStat> {
    const parts = splitVolumePath(path);
    if (parts.length === 0) throw new VolumePathExistsError('/');
    const ownership = this.ownership(options, 0o755);
    let dir = await open(this.root, OPEN_DIR);
    try {
      for (const [index, part] of parts.entries()) {
        const last = index === parts.length - 1;
        try {
          // Without `force` the parents must exist: only the last name is made.
          if (!last && !options.force) throw Object.assign(new Error('parent'), { code: 'EEXIST' });
          await mkdir(at(dir, part), { mode: 0o700 });
          const made = await openNoFollow(at(dir, part), OPEN_DIR, joinVolumePath(parts.slice(0, index + 1)));
          await made.chown(ownership.uid, ownership.gid);
          await made.chmod(last ? ownership.mode : 0o755);
          await dir.close();
          dir = made;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new VolumePathNotFoundError(joinVolumePath(parts.slice(0, index)));
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw mapError(err, joinVolumePath(parts));
          // E2B's `force` makes missing parents; an existing target is an error without it.
          if (last && !options.force) throw new VolumePathExistsError(joinVolumePath(parts));
          const next = await openNoFollow(at(dir, part), OPEN_DIR, joinVolumePath(parts.slice(0, index + 1)));
          await dir.close();
          dir = next;
        }
      }
      return await handleStat(dir, joinVolumePath(parts));
    } finally {
      await dir.close();
    }
  }

  async remove(path: string): Promise<void> {
    const parts = splitVolumePath(path);
    if (parts.length === 0) throw new InvalidVolumeRequestError('The volume root cannot be deleted; delete its entries, or the volume (DELETE /volumes/{volumeID}).');
    await this.inParent(parts, async (dir, leaf) => {
      await lstat(at(dir, leaf)).catch((err: unknown) => {
        throw mapError(err, joinVolumePath(parts));
      });
      await removeTree(dir, leaf);
    });
  }

  /** A regular file's contents as a stream (the caller closes it by consuming or destroying it). */
  async read(path: string): Promise<{ stream: Readable; size: number }> {
    const parts = splitVolumePath(path);
    const file = await this.inParent(parts, (dir, leaf) => openNoFollow(at(dir, leaf), O_RDONLY | O_NOFOLLOW | O_NONBLOCK, joinVolumePath(parts)));
    const stats = await file.stat();
    if (!stats.isFile()) {
      await file.close();
      throw new InvalidVolumeRequestError(`Path "${joinVolumePath(parts)}" is not a regular file.`);
    }
    return { stream: createReadStream('', { fd: file, autoClose: true }), size: stats.size };
  }

  /** Writes `body` to a file whose parent exists. Without `force` an existing path is an error. */
  async write(path: string, body: Readable, options: VolumeOwnership & { force?: boolean }): Promise<VolumeEntryStat> {
    const parts = splitVolumePath(path);
    if (parts.length === 0) throw new InvalidVolumeRequestError('A file path is needed, not the volume root.');
    const ownership = this.ownership(options, 0o644);
    const file = await this.inParent(parts, async (dir, leaf) => {
      try {
        return await open(at(dir, leaf), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | (options.force ? O_TRUNC : O_EXCL), 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new VolumePathExistsError(joinVolumePath(parts));
        throw mapError(err, joinVolumePath(parts));
      }
    });
    try {
      const stats = await file.stat();
      if (!stats.isFile()) throw new InvalidVolumeRequestError(`Path "${joinVolumePath(parts)}" is not a regular file.`);
      await file.chown(ownership.uid, ownership.gid);
      await file.chmod(ownership.mode);
      // One chunk at a time: the body is read only as fast as the volume takes it.
      for await (const chunk of body) await file.write(chunk as Uint8Array);
      return await handleStat(file, joinVolumePath(parts));
    } catch (err) {
      throw mapError(err, joinVolumePath(parts));
    } finally {
      await file.close();
    }
  }

  /** Changes owner and/or mode; a symlink's owner only (Linux has no lchmod). */
  async updateMetadata(path: string, change: VolumeOwnership): Promise<VolumeEntryStat> {
    const parts = splitVolumePath(path);
    assertOwnership(change);
    return this.inParent(parts, async (dir, leaf) => {
      const where = at(dir, leaf);
      let handle: FileHandle;
      try {
        handle = await open(where, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ELOOP') throw mapError(err, joinVolumePath(parts));
        if (change.mode !== undefined) throw new InvalidVolumeRequestError(`Path "${joinVolumePath(parts)}" is a symlink, whose mode cannot be changed.`);
        const { lchown } = await import('node:fs/promises');
        const current = await lstat(where);
        await lchown(where, change.uid ?? current.uid, change.gid ?? current.gid);
        return entryStat(where, joinVolumePath(parts));
      }
      try {
        const current = await handle.stat();
        if (change.uid !== undefined || change.gid !== undefined) await handle.chown(change.uid ?? current.uid, change.gid ?? current.gid);
        if (change.mode !== undefined) await handle.chmod(change.mode);
        return await handleStat(handle, joinVolumePath(parts));
      } finally {
        await handle.close();
      }
    });
  }

  private ownership(options: VolumeOwnership, mode: number): { uid: number; gid: number; mode: number } {
    assertOwnership(options);
    return { uid: options.uid ?? this.defaultOwner.uid, gid: options.gid ?? this.defaultOwner.gid, mode: options.mode ?? mode };
  }

  /** Opens the directory at `parts` (the root when empty), component by component, never following a link. */
  private async openDir(parts: readonly string[]): Promise<FileHandle> {
    let dir = await open(this.root, OPEN_DIR);
    for (const [index, part] of parts.entries()) {
      try {
        const next = await openNoFollow(at(dir, part), OPEN_DIR, joinVolumePath(parts.slice(0, index + 1)));
        await dir.close();
        dir = next;
      } catch (err) {
        await dir.close();
        throw err;
      }
    }
    return dir;
  }

  /** Runs `task` with the parent directory of `parts` held open and the last name; the root's parent is itself with name `.`. */
  private async inParent<T>(parts: readonly string[], task: (dir: FileHandle, leaf: string) => Promise<T>): Promise<T> {
    const dir = await this.openDir(parts.slice(0, -1));
    try {
      return await task(dir, parts.at(-1) ?? '.');
    } finally {
      await dir.close();
    }
  }
}

/**
 * Splits a content-API path into names: `/a/b`, `a/b` and `a//b/` are the same; `..` and NUL
 * are refused rather than resolved, so no spelling leaves the volume.
 */
export function splitVolumePath(path: string): string[] {
  if (path.includes('\0')) throw new InvalidVolumeRequestError('The path must not contain NUL bytes.');
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) throw new InvalidVolumeRequestError(`The path "${path}" must not contain "..": volume paths are absolute inside the volume.`);
  return parts;
}

export function joinVolumePath(parts: readonly string[]): string {
  return `/${parts.join('/')}`;
}

function at(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

async function openNoFollow(where: string, flags: number, shown: string): Promise<FileHandle> {
  try {
    return await open(where, flags | O_NOFOLLOW);
  } catch (err) {
    throw mapError(err, shown);
  }
}

function mapError(err: unknown, shown: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new VolumePathNotFoundError(shown);
  if (code === 'ENOTDIR') return new InvalidVolumeRequestError(`A component of "${shown}" is not a directory.`);
  if (code === 'ELOOP') return new InvalidVolumeRequestError(`"${shown}" goes through a symlink; the volume content API does not follow symlinks.`);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new VolumeStorageFullError(`The volume is full: writing "${shown}" ran out of space.`, { cause: err });
  if (code === 'EISDIR') return new InvalidVolumeRequestError(`"${shown}" is a directory.`);
  // A FIFO or socket a sandbox left where a file was expected.
  if (code === 'ENXIO') return new InvalidVolumeRequestError(`"${shown}" is not a regular file.`);
  return err;
}

function assertOwnership(options: VolumeOwnership): void {
  for (const [field, value, max] of [['uid', options.uid, MAX_ID], ['gid', options.gid, MAX_ID], ['mode', options.mode, 0o7777]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > max)) {
      throw new InvalidVolumeRequestError(`${field} must be an integer from 0 to ${max}.`);
    }
  }
}

function typeOf(stats: Stats): VolumeEntryStat['type'] {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symlink';
  return 'unknown';
}

function toEntry(stats: Stats, path: string, target?: string): VolumeEntryStat {
  return {
    name: path === '/' ? '/' : path.slice(path.lastIndexOf('/') + 1),
    type: typeOf(stats),
    path,
    size: stats.size,
    mode: stats.mode & 0o7777,
    uid: stats.uid,
    gid: stats.gid,
    atime: stats.atime.toISOString(),
    mtime: stats.mtime.toISOString(),
    ctime: stats.ctime.toISOString(),
    ...(target === undefined ? {} : { target }),
  };
}

async function entryStat(where: string, path: string): Promise<VolumeEntryStat> {
  try {
    const stats = await lstat(where);
    return toEntry(stats, path, stats.isSymbolicLink() ? await readlink(where) : undefined);
  } catch (err) {
    throw mapError(err, path);
  }
}

async function handleStat(handle: FileHandle, path: string): Promise<VolumeEntryStat> {
  return toEntry(await handle.stat(), path);
}

async function listInto(dir: FileHandle, parts: readonly string[], depth: number, out: VolumeEntryStat[]): Promise<void> {
  const names = (await readdir(`/proc/self/fd/${dir.fd}`)).sort();
  for (const name of names) {
    const childParts = [...parts, name];
    let entry: VolumeEntryStat;
    try {
      entry = await entryStat(at(dir, name), joinVolumePath(childParts));
    } catch (err) {
      // Removed by a sandbox while we listed: not an error of the listing.
      if (err instanceof VolumePathNotFoundError) continue;
      throw err;
    }
    out.push(entry);
    if (entry.type === 'directory' && depth > 1) {
      let child: FileHandle;
      try {
        child = await open(at(dir, name), OPEN_DIR);
      } catch {
        continue;
      }
      try {
        await listInto(child, childParts, depth - 1, out);
      } finally {
        await child.close();
      }
    }
  }
}

/** rm -r of one name in a held directory, descending by descriptors only: a swapped-in symlink is unlinked, never followed. */
async function removeTree(dir: FileHandle, name: string): Promise<void> {
  let child: FileHandle | undefined;
  try {
    child = await open(at(dir, name), OPEN_DIR);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      await unlink(at(dir, name)).catch((unlinkErr: unknown) => {
        if ((unlinkErr as NodeJS.ErrnoException).code !== 'ENOENT') throw unlinkErr;
      });
      return;
    }
    if (code === 'ENOENT') return;
    throw err;
  }
  try {
    for (const entry of await readdir(`/proc/self/fd/${child.fd}`)) await removeTree(child, entry);
  } finally {
    await child.close();
  }
  await rmdir(at(dir, name)).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  });
}
