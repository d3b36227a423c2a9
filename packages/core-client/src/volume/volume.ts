import { z } from 'zod';
import { ApiClient, ApiResponseError, parseBody } from '../api/api-client.js';
import { toResourceError } from '../api/resource-error.js';
import { callOpts } from '../sandbox/sandbox-api.js';
import { ConnectionConfig } from '../connection-config.js';
import { VolumeError, VolumeNotFoundError, VolumePathNotFoundError } from '../errors.js';
import { VolumeContentClient } from './volume-content-client.js';
import type {
  VolumeAndToken,
  VolumeApiOpts,
  VolumeConnectionOpts,
  VolumeEntryStat,
  VolumeInfo,
  VolumeMetadataOpts,
  VolumeWriteOpts,
} from './volume-types.js';

const volumeSchema = z.object({ volumeID: z.string(), name: z.string() });
const volumeAndTokenSchema = volumeSchema.extend({ token: z.string(), domain: z.string().nullish() });

const volumePath = (volumeId: string): string => `/volumes/${encodeURIComponent(volumeId)}`;

function toVolumeError(err: unknown, onNotFound?: () => Error): unknown {
  return toResourceError(err, (message, options) => new VolumeError(message, options), onNotFound);
}

/**
 * A named persistent volume (`e2b`'s `Volume`): create, look up, list and delete it through the
 * runner's `/volumes` API; read and write its files without a sandbox through the volume content
 * API; mount it with `Sandbox.create({ volumeMounts: { '/mnt/data': volume } })`.
 */
export class Volume {
  constructor(
    readonly volumeId: string,
    readonly name: string,
    readonly token: string,
    /** Base URL of the content API when it is not the runner's own (Codebox: never). */
    readonly domain?: string,
    /**
     * Where the content API is: the runner's URL the volume was reached at (a runner serves it).
     * @default CODEBOX_VOLUME_API_URL, else E2B_VOLUME_API_URL, else the API URL from the environment
     */
    readonly contentApiUrl?: string,
  ) {}

  /** Creates an empty volume named `name` (unique per API key). */
  static async create<V extends typeof Volume>(this: V, name: string, opts: VolumeConnectionOpts = {}): Promise<InstanceType<V>> {
    const config = new ConnectionConfig(opts);
    try {
      const res = await new ApiClient(config).send({ method: 'POST', path: '/volumes', body: { name }, ...callOpts(opts) });
      const body = parseBody(volumeAndTokenSchema, res, 'POST /volumes');
      return new this(body.volumeID, body.name, body.token, body.domain ?? undefined, new ConnectionConfig(opts).apiUrl) as InstanceType<V>;
    } catch (err) {
      throw toVolumeError(err);
    }
  }

  /** The volume with this id, with its token. */
  static async connect<V extends typeof Volume>(this: V, volumeId: string, opts: VolumeConnectionOpts = {}): Promise<InstanceType<V>> {
    const info = await Volume.getInfo(volumeId, opts);
    return new this(volumeId, info.name, info.token, info.domain, new ConnectionConfig(opts).apiUrl) as InstanceType<V>;
  }

  static async getInfo(volumeId: string, opts: VolumeConnectionOpts = {}): Promise<VolumeAndToken> {
    try {
      const res = await new ApiClient(new ConnectionConfig(opts)).send({ method: 'GET', path: volumePath(volumeId), ...callOpts(opts) });
      const body = parseBody(volumeAndTokenSchema, res, 'GET /volumes/{volumeID}');
      return { volumeId: body.volumeID, name: body.name, token: body.token, ...(body.domain ? { domain: body.domain } : {}) };
    } catch (err) {
      throw toVolumeError(err, () => new VolumeNotFoundError(`Volume ${volumeId} not found`));
    }
  }

  static async list(opts: VolumeConnectionOpts = {}): Promise<VolumeInfo[]> {
    try {
      const res = await new ApiClient(new ConnectionConfig(opts)).send({ method: 'GET', path: '/volumes', ...callOpts(opts) });
      return parseBody(z.array(volumeSchema), res, 'GET /volumes').map((volume) => ({ volumeId: volume.volumeID, name: volume.name }));
    } catch (err) {
      throw toVolumeError(err);
    }
  }

  /** Deletes the volume and its files: `false` when there was none. Refused while a sandbox mounts it. */
  static async destroy(volumeId: string, opts: VolumeConnectionOpts = {}): Promise<boolean> {
    try {
      await new ApiClient(new ConnectionConfig(opts)).send({ method: 'DELETE', path: volumePath(volumeId), ...callOpts(opts) });
      return true;
    } catch (err) {
      if (err instanceof ApiResponseError && err.status === 404) return false;
      throw toVolumeError(err);
    }
  }

  /** Entries of a directory, `depth` levels down (default 1). */
  list(path: string, opts: VolumeApiOpts & { depth?: number } = {}): Promise<VolumeEntryStat[]> {
    return contentClient(this, opts).entries({ method: 'GET', route: 'dir', path, query: { depth: opts.depth } });
  }

  makeDir(path: string, opts: VolumeWriteOpts & VolumeApiOpts = {}): Promise<VolumeEntryStat> {
    return contentClient(this, opts).entry({ method: 'POST', route: 'dir', path, query: ownership(opts) });
  }

  getInfo(path: string, opts: VolumeApiOpts = {}): Promise<VolumeEntryStat> {
    return contentClient(this, opts).entry({ method: 'GET', route: 'path', path });
  }

  async exists(path: string, opts: VolumeApiOpts = {}): Promise<boolean> {
    try {
      await this.getInfo(path, opts);
      return true;
    } catch (err) {
      if (err instanceof VolumePathNotFoundError) return false;
      throw err;
    }
  }

  updateMetadata(path: string, metadata: VolumeMetadataOpts, opts: VolumeApiOpts = {}): Promise<VolumeEntryStat> {
    return contentClient(this, opts).entry({ method: 'PATCH', route: 'path', path, json: metadata });
  }

  /** A file's contents: text (default), bytes, a Blob or a stream. */
  readFile(path: string, opts?: VolumeApiOpts & { format?: 'text' }): Promise<string>;
  readFile(path: string, opts: VolumeApiOpts & { format: 'bytes' }): Promise<Uint8Array>;
  readFile(path: string, opts: VolumeApiOpts & { format: 'blob' }): Promise<Blob>;
  readFile(path: string, opts: VolumeApiOpts & { format: 'stream' }): Promise<ReadableStream<Uint8Array>>;
  async readFile(
    path: string,
    opts: VolumeApiOpts & { format?: 'text' | 'bytes' | 'blob' | 'stream' } = {},
  ): Promise<string | Uint8Array | Blob | ReadableStream<Uint8Array>> {
    const res = await contentClient(this, opts).send({ method: 'GET', route: 'file', path });
    switch (opts.format ?? 'text') {
      case 'bytes':
        return new Uint8Array(await res.arrayBuffer());
      case 'blob':
        return res.blob();
      case 'stream':
        return res.body ?? new Blob([]).stream();
      default:
        return res.text();
    }
  }

  /** Writes a file whose directory exists; `force` replaces an existing one. */
  writeFile(path: string, data: string | ArrayBuffer | Uint8Array | Blob | ReadableStream<Uint8Array>, opts: VolumeWriteOpts & VolumeApiOpts = {}): Promise<VolumeEntryStat> {
    const body: NonNullable<RequestInit['body']> = typeof data === 'string' ? new TextEncoder().encode(data) : data instanceof Uint8Array ? new Blob([data as Uint8Array<ArrayBuffer>]) : data;
    return contentClient(this, opts).entry({ method: 'PUT', route: 'file', path, query: ownership(opts), body });
  }

  /** Removes a file or a directory with everything in it. */
  async remove(path: string, opts: VolumeApiOpts = {}): Promise<void> {
    await contentClient(this, opts).send({ method: 'DELETE', route: 'path', path });
  }

}

/** A module function, not a private method: classes with private members compare nominally in TypeScript. */
function contentClient(volume: Volume, opts: VolumeApiOpts): VolumeContentClient {
  const apiUrl = volume.domain ? `https://api.${volume.domain}` : (volume.contentApiUrl ?? new ConnectionConfig().apiUrl);
  return new VolumeContentClient(volume.volumeId, { token: volume.token, apiUrl }, opts);
}

function ownership(opts: VolumeWriteOpts): Record<string, number | boolean | undefined> {
  return { uid: opts.uid, gid: opts.gid, mode: opts.mode, force: opts.force };
}
