import { Filesystem as FilesystemService, writtenFilesSchema, type WrittenFile } from '@codebox/protocol';
import { Code, ConnectError, createClient, type Client } from '@connectrpc/connect';
import { KEEPALIVE_HEADERS, type EnvdConnection } from '../envd/envd-connection.js';
import { envdHttpError } from '../envd/envd-http-error.js';
import { userHeaders, usernameParam } from '../envd/envd-user.js';
import { envdSupports } from '../envd/envd-versions.js';
import { rpcError } from '../envd/rpc-error.js';
import { startEvent } from '../envd/start-event.js';
import { createStreamController } from '../envd/stream-controller.js';
import { FileNotFoundError, InvalidArgumentError, SandboxError, TemplateError } from '../errors.js';
import { FileType, toEntryInfo, toFileType, type EntryInfo, type WriteInfo } from './entry-info.js';
import { isReadableStream, toBlob, toBody, type WriteData, type WriteEntry } from './upload-body.js';
import { WatchHandle, type OnFilesystemEvent, type OnWatchExit } from './watch-handle.js';

/** Options shared by filesystem calls. */
export interface FilesystemRequestOpts {
  /** User whose permissions apply and whose home relative paths resolve against. */
  user?: string;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface FilesystemReadOpts extends FilesystemRequestOpts {
  /** `text` (default), `bytes` (Uint8Array), `blob` or `stream` (ReadableStream). */
  format?: 'text' | 'bytes' | 'blob' | 'stream';
}

export interface FilesystemWriteOpts extends FilesystemRequestOpts {
  /**
   * Send each file as `application/octet-stream` instead of one `multipart/form-data` request.
   * Defaults to octet-stream when any data is a `ReadableStream`, so streams are not buffered.
   */
  useOctetStream?: boolean;
  /**
   * Metadata stored with every written file (as `user.e2b.<key>` xattrs) and returned by
   * `getInfo()`, `list()` and watch entries. Keys are HTTP token characters (lowercased by the
   * sandbox), values printable ASCII. Writing without it clears a file's earlier metadata.
   */
  metadata?: Record<string, string>;
}

export interface FilesystemListOpts extends FilesystemRequestOpts {
  /**
   * How deep to list; `1` lists only the directory's own entries.
   * @default 1
   */
  depth?: number;
}

export interface WatchOpts extends FilesystemRequestOpts {
  /**
   * How long to watch, in **milliseconds**; `0` watches until `stop()`.
   * @default 60_000
   */
  timeoutMs?: number;
  /** Called once when watching ends, with the error that ended it if any. */
  onExit?: OnWatchExit;
  /** Watch subdirectories too. */
  recursive?: boolean;
  /** Each event carries the entry's `EntryInfo` when it still exists (not on remove/rename). */
  includeEntry?: boolean;
  /** Allow watching network file systems (envd 0.6.4); a Codebox sandbox has none, so it changes nothing there. */
  allowNetworkMounts?: boolean;
}

export const DEFAULT_WATCH_TIMEOUT_MS = 60_000;

/** The wire's file types (`@codebox/protocol`'s `WrittenFile`) as the SDK's enum. */
const WRITTEN_FILE_TYPES: Readonly<Record<NonNullable<WrittenFile['type']>, FileType>> = {
  file: FileType.FILE,
  dir: FileType.DIR,
  symlink: FileType.SYMLINK,
};

const filesPath = (query: URLSearchParams) => (query.size > 0 ? `/files?${query}` : '/files');

const notFoundOverrides = { [Code.NotFound]: (m: string) => new FileNotFoundError(m) };
const httpOverrides = { 404: (m: string) => new FileNotFoundError(m) };

const METADATA_KEY = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const METADATA_VALUE = /^[\x20-\x7e]*$/;

/** `X-Metadata-<key>` headers, checked as `e2b` checks them (keys travel as header names). */
function metadataHeaders(envdVersion: string, metadata: Record<string, string> | undefined): Record<string, string> {
  if (!metadata) return {};
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (!METADATA_KEY.test(key)) {
      throw new InvalidArgumentError(`Invalid metadata key ${JSON.stringify(key)}: keys must be non-empty and use only HTTP token characters (letters, digits and !#$%&'*+-.^_\`|~).`);
    }
    if (!METADATA_VALUE.test(value)) throw new InvalidArgumentError(`Invalid metadata value for key ${JSON.stringify(key)}: values must be printable US-ASCII.`);
    headers[`X-Metadata-${key}`] = value;
  }
  if (Object.keys(headers).length > 0 && !envdSupports(envdVersion, 'fileMetadata')) {
    throw new TemplateError('File metadata requires envd 0.6.2 or later.');
  }
  return headers;
}

/** `sandbox.files`: read, write, list and watch the sandbox's filesystem. */
export class Filesystem {
  protected readonly rpc: Client<typeof FilesystemService>;

  /** @internal Reached through `sandbox.files`. */
  constructor(private readonly envd: EnvdConnection) {
    this.rpc = createClient(FilesystemService, envd.transport);
  }

  read(path: string, opts?: FilesystemReadOpts & { format?: 'text' }): Promise<string>;
  read(path: string, opts: FilesystemReadOpts & { format: 'bytes' }): Promise<Uint8Array>;
  read(path: string, opts: FilesystemReadOpts & { format: 'blob' }): Promise<Blob>;
  read(path: string, opts: FilesystemReadOpts & { format: 'stream' }): Promise<ReadableStream<Uint8Array>>;
  async read(path: string, opts?: FilesystemReadOpts): Promise<string | Uint8Array | Blob | ReadableStream<Uint8Array>> {
    const format = opts?.format ?? 'text';
    const query = this.filesQuery(path, opts?.user);
    const requestTimeoutMs = opts?.requestTimeoutMs ?? this.envd.config.requestTimeoutMs;
    if (format === 'stream') {
      // The request timeout bounds the handshake only: a large download may take longer.
      const controller = createStreamController(requestTimeoutMs, opts?.signal);
      try {
        const res = await this.envd.fetch(filesPath(query), { method: 'GET', signal: controller.signal, requestTimeoutMs });
        controller.clearStartTimeout();
        const err = await envdHttpError(res, httpOverrides);
        if (err) throw err;
        return res.body ?? new Blob([]).stream();
      } catch (err) {
        controller.cleanup();
        throw err;
      }
    }
    const init: RequestInit & { requestTimeoutMs?: number } = { method: 'GET', requestTimeoutMs };
    const signal = this.envd.config.getSignal(requestTimeoutMs, opts?.signal);
    if (signal) init.signal = signal;
    const res = await this.envd.fetch(filesPath(query), init);
    const err = await envdHttpError(res, httpOverrides);
    if (err) throw err;
    switch (format) {
      case 'bytes':
        return new Uint8Array(await res.arrayBuffer());
      case 'blob':
        return res.blob();
      default:
        return res.text();
    }
  }

  /**
   * Writes one file (creating parent directories, overwriting an existing file), or several
   * when given `WriteEntry[]`.
   */
  write(path: string, data: WriteData, opts?: FilesystemWriteOpts): Promise<WriteInfo>;
  write(files: WriteEntry[], opts?: FilesystemWriteOpts): Promise<WriteInfo[]>;
  async write(
    pathOrFiles: string | WriteEntry[],
    dataOrOpts?: WriteData | FilesystemWriteOpts,
    maybeOpts?: FilesystemWriteOpts,
  ): Promise<WriteInfo | WriteInfo[]> {
    if (typeof pathOrFiles === 'string') {
      if (Array.isArray(dataOrOpts)) {
        throw new InvalidArgumentError('Pass either a path and its data, or an array of { path, data } entries, not both.');
      }
      if (dataOrOpts === undefined || dataOrOpts === null) {
        throw new InvalidArgumentError(`files.write(${JSON.stringify(pathOrFiles)}) needs data: a string, bytes, Blob or ReadableStream.`);
      }
      const infos = await this.upload([{ path: pathOrFiles, data: dataOrOpts as WriteData }], maybeOpts);
      const info = infos[0];
      if (!info) throw new SandboxError(`The sandbox reported no file written for ${pathOrFiles}.`);
      return info;
    }
    if (!Array.isArray(pathOrFiles)) throw new InvalidArgumentError('files.write() needs a path or an array of { path, data }.');
    return this.upload(pathOrFiles, dataOrOpts as FilesystemWriteOpts | undefined);
  }

  /** Writes several files; the same as `write(files)`. */
  async writeFiles(files: WriteEntry[], opts?: FilesystemWriteOpts): Promise<WriteInfo[]> {
    return this.upload(files, opts);
  }

  /** Entries of a directory, `depth` levels deep. */
  async list(path: string, opts?: FilesystemListOpts): Promise<EntryInfo[]> {
    const depth = opts?.depth ?? 1;
    if (depth < 1) throw new InvalidArgumentError('depth should be at least one');
    try {
      const res = await this.rpc.listDir({ path, depth }, this.callOptions(opts));
      return res.entries.filter((e) => toFileType(e.type) !== undefined).map(toEntryInfo);
    } catch (err) {
      throw rpcError(err, notFoundOverrides);
    }
  }

  /** Creates a directory and its parents; `false` when it already existed. */
  async makeDir(path: string, opts?: FilesystemRequestOpts): Promise<boolean> {
    try {
      await this.rpc.makeDir({ path }, this.callOptions(opts));
      return true;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.AlreadyExists) return false;
      throw rpcError(err, notFoundOverrides);
    }
  }

  /** Moves a file or directory; returns the entry at its new path. */
  async rename(oldPath: string, newPath: string, opts?: FilesystemRequestOpts): Promise<EntryInfo> {
    try {
      const res = await this.rpc.move({ source: oldPath, destination: newPath }, this.callOptions(opts));
      if (!res.entry) throw new SandboxError(`The sandbox moved ${oldPath} but did not describe ${newPath}.`);
      return toEntryInfo(res.entry);
    } catch (err) {
      throw rpcError(err, notFoundOverrides);
    }
  }

  /** Removes a file or a directory with its contents. */
  async remove(path: string, opts?: FilesystemRequestOpts): Promise<void> {
    try {
      await this.rpc.remove({ path }, this.callOptions(opts));
    } catch (err) {
      throw rpcError(err, notFoundOverrides);
    }
  }

  async exists(path: string, opts?: FilesystemRequestOpts): Promise<boolean> {
    try {
      await this.rpc.stat({ path }, this.callOptions(opts));
      return true;
    } catch (err) {
      if (err instanceof ConnectError && err.code === Code.NotFound) return false;
      throw rpcError(err, notFoundOverrides);
    }
  }

  async getInfo(path: string, opts?: FilesystemRequestOpts): Promise<EntryInfo> {
    try {
      const res = await this.rpc.stat({ path }, this.callOptions(opts));
      if (!res.entry) throw new SandboxError(`The sandbox answered stat of ${path} without an entry.`);
      return toEntryInfo(res.entry);
    } catch (err) {
      throw rpcError(err, notFoundOverrides);
    }
  }

  /** Calls `onEvent` for each change in `path` until `stop()`, `timeoutMs` or an error. */
  async watchDir(path: string, onEvent: OnFilesystemEvent, opts?: WatchOpts): Promise<WatchHandle> {
    if (opts?.recursive && !envdSupports(this.envd.envdVersion, 'recursiveWatch')) {
      throw new TemplateError('You need to update the template to use recursive watching.');
    }
    if (opts?.includeEntry && !envdSupports(this.envd.envdVersion, 'watchEntryInfo')) {
      throw new TemplateError('You need to update the template to include entry info in watch events.');
    }
    if (opts?.allowNetworkMounts && !envdSupports(this.envd.envdVersion, 'watchNetworkMounts')) {
      throw new TemplateError('You need to update the template to watch directories on network mounts.');
    }
    const controller = createStreamController(opts?.requestTimeoutMs ?? this.envd.config.requestTimeoutMs, opts?.signal);
    const timeoutMs = opts?.timeoutMs ?? DEFAULT_WATCH_TIMEOUT_MS;
    const stream = this.rpc.watchDir(
      { path, recursive: opts?.recursive ?? false, includeEntry: opts?.includeEntry ?? false, allowNetworkMounts: opts?.allowNetworkMounts ?? false },
      {
        signal: controller.signal,
        headers: {
          ...userHeaders(this.envd.envdVersion, opts?.user),
          ...KEEPALIVE_HEADERS,
        },
        timeoutMs: timeoutMs > 0 ? timeoutMs : undefined,
      },
    );
    const events = stream[Symbol.asyncIterator]();
    try {
      await startEvent(events, (m) => (m.event.case === 'start' ? m.event.value : undefined));
      controller.clearStartTimeout();
      return new WatchHandle(controller.cleanup, events, onEvent, opts?.onExit);
    } catch (err) {
      controller.cleanup();
      throw rpcError(err, notFoundOverrides);
    }
  }

  private async upload(files: WriteEntry[], opts: FilesystemWriteOpts | undefined): Promise<WriteInfo[]> {
    if (files.length === 0) return [];
    const metadata = metadataHeaders(this.envd.envdVersion, opts?.metadata);
    const canOctet = envdSupports(this.envd.envdVersion, 'octetStreamUpload');
    const octet = canOctet && (opts?.useOctetStream ?? files.some((f) => isReadableStream(f.data)));
    if (octet) {
      const results = await Promise.all(
        files.map((file) =>
          this.post(
            this.filesQuery(file.path, opts?.user),
            toBody(file.data),
            { 'Content-Type': 'application/octet-stream', ...metadata },
            opts,
            isReadableStream(file.data),
          ),
        ),
      );
      return results.flat();
    }
    const form = new FormData();
    for (const file of files) form.append('file', await toBlob(file.data), file.path);
    // One file names its path in the query too; several rely on each part's filename.
    const query = files.length === 1 && files[0] ? this.filesQuery(files[0].path, opts?.user) : this.filesQuery(undefined, opts?.user);
    return this.post(query, form, metadata, opts, false);
  }

  private async post(
    query: URLSearchParams,
    body: NonNullable<RequestInit['body']>,
    headers: Record<string, string>,
    opts: FilesystemWriteOpts | undefined,
    streamed: boolean,
  ): Promise<WriteInfo[]> {
    const requestTimeoutMs = opts?.requestTimeoutMs ?? this.envd.config.requestTimeoutMs;
    // A streamed body takes as long as its producer; only the caller's signal may stop it.
    const signal = streamed ? opts?.signal : this.envd.config.getSignal(requestTimeoutMs, opts?.signal);
    const init: RequestInit & { requestTimeoutMs?: number; duplex?: 'half' } = {
      method: 'POST',
      body,
      headers,
      requestTimeoutMs,
    };
    if (streamed) init.duplex = 'half';
    if (signal) init.signal = signal;
    const res = await this.envd.fetch(filesPath(query), init);
    const err = await envdHttpError(res, httpOverrides);
    if (err) throw err;
    const parsed = writtenFilesSchema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success || parsed.data.length === 0) {
      throw new SandboxError('The sandbox did not describe the written file(s); the agent may be incompatible.');
    }
    return parsed.data.map((f) => {
      const info: WriteInfo = { name: f.name, path: f.path };
      if (f.type) info.type = WRITTEN_FILE_TYPES[f.type];
      if (f.metadata && Object.keys(f.metadata).length > 0) info.metadata = f.metadata;
      return info;
    });
  }

  private filesQuery(path: string | undefined, user: string | undefined): URLSearchParams {
    const query = new URLSearchParams();
    if (path !== undefined) query.set('path', path);
    const username = usernameParam(this.envd.envdVersion, user);
    if (username) query.set('username', username);
    return query;
  }

  private callOptions(opts: FilesystemRequestOpts | undefined): { headers: Record<string, string>; signal?: AbortSignal } {
    const out: { headers: Record<string, string>; signal?: AbortSignal } = {
      headers: userHeaders(this.envd.envdVersion, opts?.user),
    };
    const signal = this.envd.config.getSignal(opts?.requestTimeoutMs, opts?.signal);
    if (signal) out.signal = signal;
    return out;
  }
}
