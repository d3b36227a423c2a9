/**
 * Named persistent volumes (E2B's `/volumes` API): the seam between the API and the storage that
 * keeps them. `docker/volume-store.ts` implements it with loop-mounted ext4 images on the host.
 */

/**
 * The canonical owner of a volume's files: the templates' `user` (uid = gid = 1000). Each sandbox
 * sees the volume through an idmapped mount that shows these ids as its own (docs/internals.md,
 * "Volumes"); what the content API creates without explicit ids gets them too.
 */
export const VOLUME_OWNER = { uid: 1000, gid: 1000 } as const;

/** A volume as the API reports it (E2B's `VolumeAndToken`, less the domain). */
export interface VolumeInfo {
  volumeId: string;
  name: string;
  /** Bearer token of the volume content API (`/volumecontent/{volumeID}/…`). */
  token: string;
  createdAt: Date;
}

/** A `volumeMounts` entry resolved to its volume: what the backend mounts into a sandbox. */
export interface ResolvedVolumeMount {
  volumeId: string;
  name: string;
  /** Absolute, normalised path inside the sandbox. */
  path: string;
}

export interface VolumeBackend {
  /** Creates an empty volume of the runner's volume size. VolumeNameTakenError, VolumesUnavailableError, VolumeStorageFullError. */
  create(tenant: string, name: string): Promise<VolumeInfo>;
  list(tenant: string): Promise<VolumeInfo[]>;
  /** VolumeNotFoundError for an unknown id or another tenant's volume. */
  get(tenant: string, volumeId: string): Promise<VolumeInfo>;
  /** VolumeNotFoundError (naming the name) when this tenant has no such volume. */
  getByName(tenant: string, name: string): Promise<VolumeInfo>;
  /** Deletes the volume and its data. VolumeInUseError while a sandbox has it mounted. */
  delete(tenant: string, volumeId: string): Promise<void>;
  /**
   * The host directory holding the volume's files, for the content API, after checking `token`
   * (VolumeTokenError; VolumeNotFoundError for an unknown id). The caller must confine every
   * path to it (volume-content.ts).
   */
  contentRoot(volumeId: string, token: string | undefined): Promise<string>;
}
