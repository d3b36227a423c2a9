import type { ConnectionOpts } from '../connection-config.js';

/** Kinds of entry in a volume (`e2b`'s `VolumeFileType`). */
export enum VolumeFileType {
  UNKNOWN = 'unknown',
  FILE = 'file',
  DIRECTORY = 'directory',
  SYMLINK = 'symlink',
}

/** A volume as `Volume.list()` describes it. */
export interface VolumeInfo {
  volumeId: string;
  name: string;
}

/** A volume with the token of its content API (`Volume.getInfo()`). */
export interface VolumeAndToken extends VolumeInfo {
  token: string;
  /** Host of the content API when it is not the default; Codebox never sets it. */
  domain?: string;
}

/** An entry of a volume (`getInfo(path)`, `list()`, and what writes return). */
export interface VolumeEntryStat {
  name: string;
  type: VolumeFileType;
  /** Absolute inside the volume. */
  path: string;
  size: number;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
  atime: Date;
  mtime: Date;
  ctime: Date;
  /** A symlink's target. */
  target?: string;
}

/** Owner and mode of what a write or `makeDir` creates; `force` replaces (files) or makes parents (directories). */
export interface VolumeWriteOpts {
  uid?: number;
  gid?: number;
  mode?: number;
  force?: boolean;
}

export type VolumeMetadataOpts = Pick<VolumeWriteOpts, 'uid' | 'gid' | 'mode'>;

/** Options of the content calls (`readFile`, `writeFile`, …). */
export interface VolumeApiOpts {
  /**
   * Base URL of the volume content API.
   * @default CODEBOX_VOLUME_API_URL, else E2B_VOLUME_API_URL, else the runner's API URL (which serves it)
   */
  apiUrl?: string;
  /** Bearer token; the volume's own by default. */
  token?: string;
  /** Time limit until the response headers arrive, in milliseconds; `0` disables it. @default 60_000 */
  requestTimeoutMs?: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type VolumeConnectionOpts = Pick<ConnectionOpts, 'apiKey' | 'apiUrl' | 'headers' | 'requestTimeoutMs' | 'signal'>;
