import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError, UnimplementedError } from '../errors.js';
import { withErrnoCode, xattrBinding } from './xattr.js';

/**
 * envd 0.6.2's file metadata: `X-Metadata-<key>: <value>` upload headers stored as
 * `user.e2b.<key>` extended attributes, surfaced (prefix stripped) as `EntryInfo.metadata`
 * (infra `packages/shared/pkg/filesystem/xattr.go`). Keys are lowercased, as envd does.
 */
export type FileMetadata = Record<string, string>;

export const METADATA_XATTR_PREFIX = 'user.e2b.';
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const METADATA_HEADER_PREFIX = 'x-metadata-';
/** Linux caps a whole xattr name at 255 bytes, the prefix included. */
export const MAX_METADATA_KEY_BYTES = 255 - METADATA_XATTR_PREFIX.length;
/** ext4 keeps one inode's xattrs in one 4 KiB block; envd's budget (names with prefix + values). */
export const MAX_METADATA_TOTAL_BYTES = 4096;

/** The `X-Metadata-*` headers of an upload (first value of each), or undefined when there are none. */
export function metadataFromHeaders(request: Pick<IncomingMessage, 'headersDistinct'>): FileMetadata | undefined {
  let metadata: FileMetadata | undefined;
  for (const [name, values] of Object.entries(request.headersDistinct)) {
    const key = name.startsWith(METADATA_HEADER_PREFIX) ? name.slice(METADATA_HEADER_PREFIX.length) : '';
    const value = values?.[0];
    if (key === '' || value === undefined) continue;
    (metadata ??= {})[key] = value;
  }
  return metadata;
}

/** envd's checks, made before anything is written: printable ASCII, key length, total size. */
export function validateMetadata(metadata: FileMetadata | undefined): void {
  if (!metadata) return;
  let total = 0;
  for (const [key, value] of Object.entries(metadata)) {
    if (key === '') throw new InvalidArgumentError('invalid metadata: key must not be empty');
    if (key.length > MAX_METADATA_KEY_BYTES) throw new InvalidArgumentError(`invalid metadata: key "${key.slice(0, 40)}…" exceeds ${MAX_METADATA_KEY_BYTES} bytes`);
    for (const [label, text] of [['key', key], [`value for key "${key}"`, value]] as const) {
      const offset = [...text].findIndex((char) => char < ' ' || char > '~');
      if (offset >= 0) throw new InvalidArgumentError(`invalid metadata: ${label} contains a character that is not printable ASCII at offset ${offset}`);
    }
    total += METADATA_XATTR_PREFIX.length + key.length + value.length;
  }
  if (total > MAX_METADATA_TOTAL_BYTES) throw new InvalidArgumentError(`invalid metadata: total size ${total} exceeds ${MAX_METADATA_TOTAL_BYTES} bytes`);
}

/** Refuses metadata where the agent cannot store any (no add-on: a template without glibc). */
export function requireMetadataAddon(metadata: FileMetadata | undefined): void {
  if (hasMetadata(metadata) && !xattrBinding()) {
    throw new UnimplementedError('file metadata needs extended-attribute support, which this template cannot load (the agent\'s xattr add-on needs glibc); write the file without metadata');
  }
}

export function hasMetadata(metadata: FileMetadata | undefined): metadata is FileMetadata {
  return metadata !== undefined && Object.keys(metadata).length > 0;
}

/**
 * The file's metadata, or undefined when it has none. Best effort, as envd: a file system
 * without xattrs (`/proc`, tmpfs under gVisor) or an unreadable entry has none. Values that are
 * not UTF-8 (set with setfattr) are skipped, as envd does. Must run inside `asUser`.
 */
export function readMetadata(path: string): FileMetadata | undefined {
  const xattrs = xattrBinding();
  if (!xattrs) return undefined;
  let metadata: FileMetadata | undefined;
  try {
    for (const name of xattrs.listAttributesSync(path)) {
      if (!name.startsWith(METADATA_XATTR_PREFIX)) continue;
      const value = xattrs.getAttributeSync(path, name);
      if (value === null) continue;
      let text: string;
      try {
        text = UTF8.decode(value);
      } catch {
        // Not UTF-8: cannot travel in a protobuf string.
        continue;
      }
      (metadata ??= {})[name.slice(METADATA_XATTR_PREFIX.length)] = text;
    }
  } catch {
    return undefined;
  }
  return metadata;
}

/**
 * Sets the file's metadata to exactly `metadata`: `user.e2b.*` keys not in it are removed (an
 * overwritten file keeps its xattrs through truncation, and envd's upload always replaces the
 * whole set), the rest written. Must run inside `asUser`.
 *
 * Where the file system has no extended attributes: with metadata to keep, an
 * UnimplementedError (the Debian gVisor has none on mounted directories, /home/user included:
 * its gofer answers EOPNOTSUPP; gVisor added them in 2026), so the caller never believes it was
 * kept; with none, nothing to clear and no error (envd's rule for /proc and /sys).
 */
export function setMetadata(path: string, metadata: FileMetadata): void {
  const xattrs = xattrBinding();
  if (!xattrs) {
    requireMetadataAddon(metadata);
    return;
  }
  try {
    for (const name of xattrs.listAttributesSync(path)) {
      if (name.startsWith(METADATA_XATTR_PREFIX) && !Object.hasOwn(metadata, name.slice(METADATA_XATTR_PREFIX.length))) {
        xattrs.removeAttributeSync(path, name);
      }
    }
    for (const [key, value] of Object.entries(metadata)) xattrs.setAttributeSync(path, METADATA_XATTR_PREFIX + key, value);
  } catch (error) {
    const coded = withErrnoCode(error) as NodeJS.ErrnoException;
    if (coded.code !== 'ENOTSUP' && coded.code !== 'EOPNOTSUPP') throw coded;
    if (hasMetadata(metadata)) {
      throw new UnimplementedError(`file metadata cannot be kept for '${path}': its file system has no extended attributes (as in gVisor sandboxes); write the file without metadata`);
    }
  }
}
