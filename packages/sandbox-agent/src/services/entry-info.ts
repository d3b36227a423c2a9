import { lstatSync, readlinkSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { posix } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { filesystemPb } from '@codebox/protocol';
import { readMetadata } from './file-metadata.js';
import { specialEntryOf } from './file-kind.js';
import type { UserDirectory } from './user-directory.js';

export type EntryInfo = filesystemPb.EntryInfo;

/** What an entry needs from the user directory: owner and group names. */
export type OwnerNames = Pick<UserDirectory, 'userName' | 'groupName'>;

/**
 * Owner names that read passwd/group once per id for the life of the object (one listing),
 * instead of once per entry: a directory of 100k files would otherwise read them 200k times.
 */
export function memoizedOwnerNames(users: OwnerNames): OwnerNames {
  const userNames = new Map<number, string>();
  const groupNames = new Map<number, string>();
  const cached = (cache: Map<number, string>, id: number, lookup: (id: number) => string): string => {
    let name = cache.get(id);
    if (name === undefined) cache.set(id, (name = lookup(id)));
    return name;
  };
  return {
    userName: (uid) => cached(userNames, uid, (id) => users.userName(id)),
    groupName: (gid) => cached(groupNames, gid, (id) => users.groupName(id)),
  };
}

/**
 * Describes `path` as envd does. A symlink is not followed for its own facts (name, size,
 * `Lrwxrwxrwx`, owner, mtime come from lstat) but its `type` and `mode` are its target's, and
 * `symlinkTarget` is the fully resolved target (envd: `filepath.EvalSymlinks`). A link whose
 * target cannot be reached (dangling, or behind a directory the user may not enter) has type
 * UNSPECIFIED and mode 0, as in envd; its target is then the link text resolved against the
 * link's directory, which still tells the caller where it points. `metadata` is the entry's
 * `user.e2b.*` xattrs (file-metadata.ts). Must run inside `asUser`.
 */
export function entryInfoOf(path: string, users: OwnerNames): EntryInfo {
  // bigint stats: mtime in whole nanoseconds, as a protobuf Timestamp wants it.
  let stats: BigIntStats;
  try {
    stats = lstatSync(path, { bigint: true });
  } catch (error) {
    // gVisor refuses any stat of a unix socket on a host-backed mount (EPERM, see specialEntryOf);
    // its directory entry still says what it is, so it is listed and described with what is
    // known (name, path, a file with no size or permissions) instead of failing the whole listing.
    if (specialEntryOf(path) === undefined) throw error;
    return create(filesystemPb.EntryInfoSchema, {
      name: posix.basename(path),
      type: filesystemPb.FileType.FILE,
      path,
      size: 0n,
      mode: 0,
      permissions: '----------',
    });
  }
  const link = stats.isSymbolicLink() ? symlinkFacts(path) : undefined;
  // envd reads metadata through the link (its xattr calls follow it); a dangling link has none.
  const metadata = link ? (link.type === filesystemPb.FileType.UNSPECIFIED ? undefined : readMetadata(link.target)) : readMetadata(path);
  return create(filesystemPb.EntryInfoSchema, {
    name: posix.basename(path),
    type: link ? link.type : fileTypeOf(stats),
    path,
    size: stats.size,
    mode: link ? link.mode : Number(stats.mode & 0o7777n),
    permissions: permissionString(stats),
    owner: users.userName(Number(stats.uid)),
    group: users.groupName(Number(stats.gid)),
    modifiedTime: create(TimestampSchema, { seconds: stats.mtimeNs / 1_000_000_000n, nanos: Number(stats.mtimeNs % 1_000_000_000n) }),
    ...(link ? { symlinkTarget: link.target } : {}),
    ...(metadata ? { metadata } : {}),
  });
}

/** A symlink's resolved target and that target's type and permission bits (envd's rule). */
function symlinkFacts(path: string): { target: string; type: filesystemPb.FileType; mode: number } {
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    return { target: posix.resolve(posix.dirname(path), readlinkSync(path)), type: filesystemPb.FileType.UNSPECIFIED, mode: 0 };
  }
  let stats;
  try {
    stats = statSync(target);
  } catch {
    return { target, type: filesystemPb.FileType.UNSPECIFIED, mode: 0 };
  }
  return { target, type: stats.isDirectory() ? filesystemPb.FileType.DIRECTORY : filesystemPb.FileType.FILE, mode: stats.mode & 0o7777 };
}

function fileTypeOf(stats: BigIntStats): filesystemPb.FileType {
  if (stats.isSymbolicLink()) return filesystemPb.FileType.SYMLINK;
  if (stats.isDirectory()) return filesystemPb.FileType.DIRECTORY;
  return filesystemPb.FileType.FILE;
}

/** `ls -l` style, e.g. `-rw-r--r--` or `drwxr-xr-x` (as Go's fs.FileMode.String, which envd uses). */
export function permissionString(stats: Pick<BigIntStats, 'mode' | 'isDirectory' | 'isSymbolicLink'>): string {
  const kind = stats.isDirectory() ? 'd' : stats.isSymbolicLink() ? 'L' : '-';
  const bits = 'rwxrwxrwx';
  let text = kind;
  for (let i = 0; i < 9; i++) text += stats.mode & (1n << BigInt(8 - i)) ? bits[i] : '-';
  return text;
}
