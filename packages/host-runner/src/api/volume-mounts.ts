import { posix } from 'node:path';
import { InvalidVolumeRequestError } from '../volumes/errors.js';
import { VOLUME_NAME_MAX_LENGTH, VOLUME_NAME_PATTERN } from '../volumes/volume-names.js';

/** One entry of E2B's `volumeMounts` (`SandboxVolumeMount`), checked and normalised. */
export interface VolumeMountRequest {
  name: string;
  /** Absolute and normalised (no `.`/`..`, no trailing `/`). */
  path: string;
}

/**
 * Paths a volume may not cover or sit below: the kernel's and Docker's pseudo filesystems and
 * the runner's own mounts (the agent's socket and files, root mode's layers).
 */
const RESERVED_TREES = ['/proc', '/sys', '/dev', '/run/codebox', '/run/codebox-root', '/opt/codebox'];
/** Mounted by the runner already; a second mount at the same target is refused by Docker. */
const RESERVED_TARGETS = ['/home/user', '/tmp', '/etc/passwd', '/etc/group', '/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/etc/ld.so.preload'];

/** Bounds the work and the label a create may ask for. */
export const MAX_VOLUME_MOUNTS = 16;
const MAX_PATH_LENGTH = 1024;

/**
 * Reads a create request's `volumeMounts` (E2B: `[{name, path}]`). Refuses, by field, anything
 * the runner would not mount as asked; whether each volume exists is the caller's check (404).
 */
export function parseVolumeMounts(value: unknown): VolumeMountRequest[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidVolumeRequestError('volumeMounts must be an array of {name, path}.');
  if (value.length > MAX_VOLUME_MOUNTS) throw new InvalidVolumeRequestError(`volumeMounts may name at most ${MAX_VOLUME_MOUNTS} mounts.`);
  const seen = new Set<string>();
  return value.map((entry: unknown, index) => {
    const where = `volumeMounts[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new InvalidVolumeRequestError(`${where} must be an object {name, path}.`);
    const { name, path, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new InvalidVolumeRequestError(`${where}.${extra[0]} is not supported: a volume mount is {name, path}.`);
    if (typeof name !== 'string' || !VOLUME_NAME_PATTERN.test(name) || name.length > VOLUME_NAME_MAX_LENGTH) {
      throw new InvalidVolumeRequestError(`${where}.name ${JSON.stringify(name)} is not a volume name (letters, digits, "_" or "-").`);
    }
    const normalised = checkMountPath(path, `${where}.path`);
    if (seen.has(normalised)) throw new InvalidVolumeRequestError(`${where}.path "${normalised}" is mounted twice; each path takes one volume.`);
    seen.add(normalised);
    return { name, path: normalised };
  });
}

function checkMountPath(path: unknown, where: string): string {
  if (typeof path !== 'string' || !path.startsWith('/')) throw new InvalidVolumeRequestError(`${where} must be an absolute path, got ${JSON.stringify(path)}.`);
  if (path.length > MAX_PATH_LENGTH || path.includes('\0')) {
    throw new InvalidVolumeRequestError(`${where} must be at most ${MAX_PATH_LENGTH} characters without NUL bytes.`);
  }
  if (path.split('/').includes('..')) throw new InvalidVolumeRequestError(`${where} "${path}" must not contain "..".`);
  const normalised = posix.normalize(path).replace(/\/+$/, '') || '/';
  if (normalised === '/') throw new InvalidVolumeRequestError(`${where} must not be "/": mount the volume at a directory such as /mnt/data.`);
  const tree = RESERVED_TREES.find((reserved) => normalised === reserved || normalised.startsWith(`${reserved}/`));
  if (tree) throw new InvalidVolumeRequestError(`${where} "${normalised}" is under ${tree}, which the sandbox needs for itself.`);
  if (RESERVED_TARGETS.includes(normalised)) {
    throw new InvalidVolumeRequestError(`${where} "${normalised}" is already a mount of the sandbox; use a path below it or elsewhere (e.g. /mnt/data).`);
  }
  return normalised;
}
