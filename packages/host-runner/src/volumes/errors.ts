/**
 * Failures of named volumes (E2B's `/volumes` and `/volumecontent` APIs, `volumeMounts` at create).
 * Each class has a stable `name`; `api/error-response.ts` maps them to HTTP statuses.
 */
import { InsufficientStorageError, InvalidRequestError } from '../sandboxes/errors.js';

/** 404: no volume with this id (or name) for this API key. Another key's volume is reported the same way. */
export class VolumeNotFoundError extends Error {
  override readonly name = 'VolumeNotFoundError';
  constructor(readonly volume: string, by: 'id' | 'name' = 'id') {
    super(`Volume ${by === 'id' ? '' : 'named '}"${volume}" was not found: it was deleted or belongs to another API key. List your volumes with GET /volumes.`);
  }
}

/** 409: volume names are unique per API key. */
export class VolumeNameTakenError extends Error {
  override readonly name = 'VolumeNameTakenError';
  constructor(readonly volumeName: string) {
    super(`A volume named "${volumeName}" already exists for this API key; pick another name or use the existing one.`);
  }
}

/** 409: a volume mounted in a running sandbox cannot be deleted (its files are in use). */
export class VolumeInUseError extends Error {
  override readonly name = 'VolumeInUseError';
  constructor(readonly volumeId: string, readonly sandboxIds: readonly string[]) {
    super(`Volume ${volumeId} is mounted in running sandbox(es) ${sandboxIds.join(', ')}; kill them first, then delete the volume.`);
  }
}

/**
 * 501: this runner cannot keep persistent volumes. They are loop-mounted ext4 images (a hard size
 * limit that survives restarts); without loop mounts the only fallback would be tmpfs, which
 * would lose the data, so volumes are refused instead.
 */
export class VolumesUnavailableError extends Error {
  override readonly name = 'VolumesUnavailableError';
  constructor(readonly reason: string) {
    super(`Volumes are not available on this runner: they need loop-mounted ext4 images (root, /dev/loop-control, mkfs.ext4), and ${reason}.`);
  }
}

/** 507: the data dir has no room for another volume image. */
export class VolumeStorageFullError extends InsufficientStorageError {
  override readonly name = 'VolumeStorageFullError';
}

/** 400: a `volumeMounts` entry or a content-API path the runner will not use. */
export class InvalidVolumeRequestError extends InvalidRequestError {
  override readonly name = 'InvalidVolumeRequestError';
}

/** 404 on the content API: nothing at this path in the volume. */
export class VolumePathNotFoundError extends Error {
  override readonly name = 'VolumePathNotFoundError';
  constructor(readonly path: string) {
    super(`Path "${path}" does not exist in the volume.`);
  }
}

/** 409 on the content API: the path exists and the request did not say `force`. */
export class VolumePathExistsError extends Error {
  override readonly name = 'VolumePathExistsError';
  constructor(readonly path: string) {
    super(`Path "${path}" already exists in the volume; pass force=true to replace it.`);
  }
}

/** 401 on the content API: missing or wrong volume token. */
export class VolumeTokenError extends Error {
  override readonly name = 'VolumeTokenError';
  constructor() {
    super('Missing or invalid volume token: send `Authorization: Bearer <token>` with the token GET /volumes/{volumeID} returns.');
  }
}
