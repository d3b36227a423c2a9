import { filesystemPb } from '@codebox/protocol';

/** Type of a filesystem object (the `e2b` enum, string-valued). */
export enum FileType {
  FILE = 'file',
  DIR = 'dir',
  SYMLINK = 'symlink',
}

/** What `files.write()` reports for each written file. */
export interface WriteInfo {
  name: string;
  type?: FileType;
  path: string;
  metadata?: Record<string, string>;
}

/** A file, directory or symlink as `files.list()`, `getInfo()` and `rename()` describe it. */
export interface EntryInfo extends WriteInfo {
  /** Size in bytes. */
  size: number;
  /** Mode and permission bits. */
  mode: number;
  /** e.g. `-rw-r--r--`. */
  permissions: string;
  owner: string;
  group: string;
  modifiedTime?: Date;
  /** Target of a symlink. */
  symlinkTarget?: string;
}

export function toFileType(type: filesystemPb.FileType): FileType | undefined {
  switch (type) {
    case filesystemPb.FileType.FILE:
      return FileType.FILE;
    case filesystemPb.FileType.DIRECTORY:
      return FileType.DIR;
    case filesystemPb.FileType.SYMLINK:
      return FileType.SYMLINK;
    default:
      return undefined;
  }
}

export function toEntryInfo(entry: filesystemPb.EntryInfo): EntryInfo {
  const info: EntryInfo = {
    name: entry.name,
    path: entry.path,
    size: Number(entry.size),
    mode: entry.mode,
    permissions: entry.permissions,
    owner: entry.owner,
    group: entry.group,
  };
  const type = toFileType(entry.type);
  if (type) info.type = type;
  if (entry.modifiedTime) {
    info.modifiedTime = new Date(Number(entry.modifiedTime.seconds) * 1000 + Math.floor(entry.modifiedTime.nanos / 1e6));
  }
  if (entry.symlinkTarget !== undefined) info.symlinkTarget = entry.symlinkTarget;
  if (Object.keys(entry.metadata).length > 0) info.metadata = entry.metadata;
  return info;
}
