import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { assertDataDirHasRoom, dataDirFullErrorFor, sandboxFootprintBytes } from './data-dir-space.js';
import { createHomeDisk, isMountPoint, mountDiskImage, mountPoints, removeHomeDisk } from './home-disk.js';
import { DataDirFullError } from './errors.js';
import { sandboxesDir } from './sandbox-paths.js';
import {
  VolumeInUseError,
  VolumeNameTakenError,
  VolumeNotFoundError,
  VolumeStorageFullError,
  VolumesUnavailableError,
  VolumeTokenError,
} from '../volumes/errors.js';
import { VOLUME_OWNER, type VolumeBackend, type VolumeInfo } from '../volumes/volume-backend.js';
import { assertVolumeName, generateVolumeId, generateVolumeToken, isVolumeId } from '../volumes/volume-names.js';


/** What `<dataDir>/volumes/<id>/volume.json` holds. Written last at create: a directory without it is half-made. */
interface VolumeRecord {
  volumeId: string;
  name: string;
  tenant: string;
  createdAt: string;
  /**
   * Stored in the clear (root-only file, like sandbox access tokens in labels) because
   * GET /volumes/{id} must hand it out again, as E2B's does.
   */
  token: string;
}

export interface VolumeStoreOptions {
  dataDir: string;
  /** Size of each volume's filesystem. */
  sizeMiB: number;
  logger: Logger;
}

export function volumesDir(dataDir: string): string {
  return join(dataDir, 'volumes');
}

export function volumePaths(dataDir: string, volumeId: string): { root: string; image: string; mount: string; record: string } {
  if (!isVolumeId(volumeId)) throw new VolumeNotFoundError(volumeId);
  const root = join(volumesDir(dataDir), volumeId);
  return { root, image: join(root, 'volume.img'), mount: join(root, 'data'), record: join(root, 'volume.json') };
}

/** Where a sandbox sees a volume: its own idmapped mount of the volume's filesystem, under the sandbox dir. */
export function sandboxVolumeMount(dataDir: string, sandboxId: string, volumeId: string): string {
  return join(sandboxesDir(dataDir), sandboxId, 'volumes', volumeId);
}

/**
 * Volumes as loop-mounted ext4 images under `<dataDir>/volumes/<id>/`, the way home disks are
 * made (home-disk.ts): the image size is a hard limit and survives runner restarts. A volume is
 * only ever deleted by DELETE /volumes/{id}; start() mounts the images a previous run left.
 */
export class HostVolumeStore implements VolumeBackend {
  private readonly dataDir: string;
  private readonly sizeMiB: number;
  private readonly logger: Logger;
  /** Why volumes cannot be made here, once start() found out; undefined when they can. */
  private unavailable: string | undefined = 'the runner has not started';
  /** Serialises creates and deletes: names stay unique per tenant and a delete never races a mount. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Volumes being deleted: hidden from lists, which do not wait for the queue. */
  private readonly deleting = new Set<string>();

  constructor(options: VolumeStoreOptions) {
    this.dataDir = options.dataDir;
    this.sizeMiB = options.sizeMiB;
    this.logger = options.logger.child({ component: 'volumes' });
  }

  /** Mounts every complete volume not mounted yet and removes half-made ones (no volume.json). */
  async start(loopDisks: { ok: true } | { ok: false; reason: string }): Promise<void> {
    this.unavailable = loopDisks.ok ? undefined : loopDisks.reason;
    let ids: string[];
    try {
      ids = (await readdir(volumesDir(this.dataDir))).filter(isVolumeId);
    } catch {
      return;
    }
    for (const id of ids) {
      const paths = volumePaths(this.dataDir, id);
      const record = await this.readRecord(id);
      try {
        if (!record) {
          // Killed mid-create: the API never answered with this id, so nobody's data is in it.
          await removeHomeDisk(paths.image, paths.mount, this.logger);
          await rm(paths.root, { recursive: true, force: true });
          this.logger.info({ volumeId: id }, 'removed a half-made volume');
        } else if (!(await isMountPoint(paths.mount))) {
          if (!loopDisks.ok) {
            this.logger.error({ volumeId: id, reason: loopDisks.reason }, 'cannot mount a volume: loop mounts fail here; its image is kept');
            continue;
          }
          await mountDiskImage(paths.image, paths.mount, this.logger);
          this.logger.info({ volumeId: id }, 'volume mounted');
        }
      } catch (err) {
        this.logger.error({ err, volumeId: id }, 'could not prepare a volume at start; its image is kept');
      }
    }
  }

  create(tenant: string, name: string): Promise<VolumeInfo> {
    assertVolumeName(name);
    return this.serially(async () => {
      if (this.unavailable !== undefined) throw new VolumesUnavailableError(this.unavailable);
      if ((await this.records(tenant)).some((record) => record.name === name)) throw new VolumeNameTakenError(name);
      await mkdir(volumesDir(this.dataDir), { recursive: true, mode: 0o700 });
      try {
        await assertDataDirHasRoom(this.dataDir, sandboxFootprintBytes(this.sizeMiB, 'loop'));
      } catch (err) {
        throw this.storageFull(err);
      }
      const started = Date.now();
      const volumeId = generateVolumeId();
      const paths = volumePaths(this.dataDir, volumeId);
      const record: VolumeRecord = { volumeId, name, tenant, createdAt: new Date().toISOString(), token: generateVolumeToken() };
      await mkdir(paths.root, { mode: 0o700 });
      try {
        await createHomeDisk(paths.image, paths.mount, this.sizeMiB, VOLUME_OWNER, this.logger);
        const temporary = `${paths.record}.tmp`;
        await writeFile(temporary, JSON.stringify(record), { mode: 0o600 });
        await rename(temporary, paths.record);
      } catch (err) {
        await removeHomeDisk(paths.image, paths.mount, this.logger).catch(() => undefined);
        await rm(paths.root, { recursive: true, force: true });
        throw this.storageFull(err);
      }
      this.logger.info({ volumeId, name, tenant, sizeMiB: this.sizeMiB, durationMs: Date.now() - started }, 'volume created');
      return toInfo(record);
    });
  }

  async list(tenant: string): Promise<VolumeInfo[]> {
    return (await this.records(tenant)).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(toInfo);
  }

  async get(tenant: string, volumeId: string): Promise<VolumeInfo> {
    const record = isVolumeId(volumeId) ? await this.readRecord(volumeId) : undefined;
    if (!record || record.tenant !== tenant) throw new VolumeNotFoundError(volumeId);
    return toInfo(record);
  }

  async getByName(tenant: string, name: string): Promise<VolumeInfo> {
    const record = (await this.records(tenant)).find((candidate) => candidate.name === name);
    if (!record) throw new VolumeNotFoundError(name, 'name');
    return toInfo(record);
  }

  delete(tenant: string, volumeId: string): Promise<void> {
    return this.serially(async () => {
      await this.get(tenant, volumeId);
      const users = await this.mountedIn(volumeId);
      if (users.length > 0) throw new VolumeInUseError(volumeId, users);
      const paths = volumePaths(this.dataDir, volumeId);
      this.deleting.add(volumeId);
      try {
        // The record first: from here on the volume no longer exists for the API, even if the rest fails.
        await rm(paths.record, { force: true });
        await removeHomeDisk(paths.image, paths.mount, this.logger);
        await rm(paths.root, { recursive: true, force: true });
      } finally {
        this.deleting.delete(volumeId);
      }
      this.logger.info({ volumeId, tenant }, 'volume deleted');
    });
  }

  async contentRoot(volumeId: string, token: string | undefined): Promise<string> {
    const record = isVolumeId(volumeId) ? await this.readRecord(volumeId) : undefined;
    if (!record) throw new VolumeNotFoundError(volumeId);
    if (token === undefined || !sameSecret(token, record.token)) throw new VolumeTokenError();
    const { mount } = volumePaths(this.dataDir, volumeId);
    // Never hand out the bare mount point directory: unmounted, writes would land on the data dir's filesystem.
    if (!(await isMountPoint(mount))) throw new VolumesUnavailableError(`volume ${volumeId}'s image is not mounted (see the runner log)`);
    return mount;
  }

  /**
   * Runs `mountInto` with the host directory a sandbox's idmapped mount of the volume is made
   * from, checked to be a mounted volume of `tenant`, in turn with creates and deletes: a delete
   * either sees the sandbox's mount (and refuses) or has removed the volume before it is looked up.
   */
  withMountSource<T>(tenant: string, volumeId: string, mountInto: (source: string) => Promise<T>): Promise<T> {
    return this.serially(async () => {
      await this.get(tenant, volumeId);
      const { mount } = volumePaths(this.dataDir, volumeId);
      if (!(await isMountPoint(mount))) throw new VolumesUnavailableError(`volume ${volumeId}'s image is not mounted (see the runner log)`);
      return mountInto(mount);
    });
  }

  /** Sandboxes (of any runner on this data dir) holding an idmapped mount of the volume. */
  private async mountedIn(volumeId: string): Promise<string[]> {
    const prefix = `${sandboxesDir(this.dataDir)}/`;
    const suffix = `/volumes/${volumeId}`;
    return [...(await mountPoints())]
      .filter((point) => point.startsWith(prefix) && point.endsWith(suffix))
      .map((point) => point.slice(prefix.length, point.length - suffix.length))
      .filter((sandboxId) => !sandboxId.includes('/'));
  }

  private async records(tenant: string): Promise<VolumeRecord[]> {
    let ids: string[];
    try {
      ids = (await readdir(volumesDir(this.dataDir))).filter(isVolumeId);
    } catch {
      return [];
    }
    const records = await Promise.all(ids.map((id) => this.readRecord(id)));
    return records.filter((record): record is VolumeRecord => record !== undefined && record.tenant === tenant && !this.deleting.has(record.volumeId));
  }

  private async readRecord(volumeId: string): Promise<VolumeRecord | undefined> {
    try {
      const parsed = JSON.parse(await readFile(volumePaths(this.dataDir, volumeId).record, 'utf8')) as Partial<VolumeRecord>;
      if (parsed.volumeId !== volumeId || typeof parsed.name !== 'string' || typeof parsed.tenant !== 'string' || typeof parsed.token !== 'string' || typeof parsed.createdAt !== 'string') {
        return undefined;
      }
      return parsed as VolumeRecord;
    } catch {
      return undefined;
    }
  }

  private storageFull(err: unknown): unknown {
    const full = dataDirFullErrorFor(err, this.dataDir);
    if (!(full instanceof DataDirFullError)) return err;
    return new VolumeStorageFullError(
      `The runner's data directory ${this.dataDir} has no room for another ${this.sizeMiB} MiB volume; no volume was created. Free space there (or delete volumes) and retry.`,
      { cause: err },
    );
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function toInfo(record: VolumeRecord): VolumeInfo {
  return { volumeId: record.volumeId, name: record.name, token: record.token, createdAt: new Date(record.createdAt) };
}

function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
