import { closeSync, createReadStream, createWriteStream, read } from 'node:fs';
import { promisify } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { WrittenFile } from '@codebox/protocol';
import busboy from 'busboy';
import { create as contentDisposition } from 'content-disposition';
import type { Logger } from 'pino';
import { InvalidArgumentError } from '../errors.js';
import { metadataFromHeaders, requireMetadataAddon, validateMetadata, type FileMetadata } from '../services/file-metadata.js';
import type { FilesystemService } from '../services/filesystem-service.js';
import { fromSystemError, isErrnoError } from '../services/system-error.js';
import type { SandboxUser } from '../services/user-directory.js';
import { sendEnvdError, sendError, sendJson } from './http-response.js';

/**
 * Most bytes a download of a file that reports size 0 sends. Such files (`/proc`, `/sys`)
 * only know their length by being read to the end; the cap keeps one that never ends from
 * streaming forever. Past it the transfer is cut, so the client sees a broken body, not a
 * short file.
 */
export const MAX_UNSIZED_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export interface FilesHandlerDeps {
  readonly filesystem: FilesystemService;
  readonly userOf: (request: IncomingMessage, url: URL) => SandboxUser;
  readonly logger: Logger;
}

/**
 * envd's `GET /files` (download) and `POST /files` (upload). Bodies are streamed through
 * descriptors opened with the user's identity; nothing is held in memory whole.
 */
export function filesHandler(deps: FilesHandlerDeps) {
  const { filesystem, userOf, logger } = deps;

  async function download(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const user = userOf(request, url);
    const file = filesystem.openForRead(user, requiredPath(url));
    // A size from stat is a promise of the length, so exactly that many bytes are sent even if
    // the file grows meanwhile. Size 0 may mean "unknown" (`/proc/cpuinfo`): read to the end.
    const sized = file.size > 0;
    if (!sized && (await isEmptyAtStart(file.fd))) {
      // A really empty file: say so with a length, as for any sized file.
      closeSync(file.fd);
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-disposition': contentDisposition(posix.basename(file.path)),
        'content-length': 0,
      });
      response.end();
      return;
    }
    const source = createReadStream('', {
      fd: file.fd,
      autoClose: true,
      ...(sized ? { end: file.size - 1 } : { end: MAX_UNSIZED_DOWNLOAD_BYTES }),
    });
    const gzip = sized && acceptsGzip(request.headers['accept-encoding']);
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      // RFC 6266/8187: an ASCII fallback plus `filename*=UTF-8''…`, so any name is a valid header.
      'content-disposition': contentDisposition(posix.basename(file.path)),
      ...(gzip ? { 'content-encoding': 'gzip', vary: 'accept-encoding' } : sized ? { 'content-length': file.size } : {}),
    });
    if (gzip) await pipeline(source, createGzip(), response);
    else if (sized) await pipeline(source, response);
    else await pipeline(source, capped(MAX_UNSIZED_DOWNLOAD_BYTES, file.path), response);
  }

  async function upload(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const user = userOf(request, url);
    // Checked before anything is written, as envd does: a refused upload leaves no file.
    const metadata = metadataFromHeaders(request);
    validateMetadata(metadata);
    requireMetadataAddon(metadata);
    const path = url.searchParams.get('path') || undefined;
    const contentType = request.headers['content-type'] ?? '';
    const gzipped = /\bgzip\b/i.test(request.headers['content-encoding'] ?? '');
    let written: WrittenFile[];
    if (contentType.startsWith('multipart/form-data')) {
      written = await uploadMultipart(user, request, path, gzipped, metadata);
    } else if (contentType.startsWith('application/octet-stream')) {
      if (!path) throw new InvalidArgumentError('the path query parameter is required for application/octet-stream uploads');
      written = [await writeFile(user, path, gzipped ? gunzipped(request) : request, metadata)];
    } else {
      throw new InvalidArgumentError(
        `unsupported Content-Type '${contentType}'; send multipart/form-data (field "file") or application/octet-stream`,
      );
    }
    sendJson(response, 200, written);
  }

  function uploadMultipart(
    user: SandboxUser,
    request: IncomingMessage,
    path: string | undefined,
    gzipped: boolean,
    metadata: FileMetadata | undefined,
  ): Promise<WrittenFile[]> {
    return new Promise((resolve, reject) => {
      // preservePath: the SDK puts the target path in each part's filename.
      const parser = busboy({ headers: request.headers, preservePath: true, limits: { fieldSize: MAX_FIELD_BYTES } });
      const writes: Promise<WrittenFile>[] = [];
      let missingTarget = false;
      let refusal: Error | undefined;
      parser.on('file', (field, stream, info) => {
        // A body that ends inside a part fails that part's stream too, also when nothing reads
        // it (skipped, or its write already refused). busboy reports the same failure on the
        // parser (a 400 below); without a listener here it would be an uncaught 'error' that
        // ends the agent.
        stream.on('error', () => undefined);
        const target = path ?? info.filename;
        if (field !== 'file' || !target) {
          stream.resume();
          if (field === 'file') missingTarget = true;
          return;
        }
        const write = writeFile(user, target, stream, metadata);
        // Keep reading the body even if this part failed, so later parts and the reply still flow.
        write.catch(() => stream.resume());
        writes.push(write);
      });
      // A `file` part without a filename (a browser's `form.append('file', 'text')`, as E2B's
      // signed-URL tests upload) is a field to busboy; envd takes any part named `file`.
      parser.on('field', (field, value, info) => {
        if (field !== 'file') return;
        if (!path) {
          missingTarget = true;
          return;
        }
        if (info.valueTruncated) {
          refusal = new InvalidArgumentError(`the "file" part has no filename and is larger than ${MAX_FIELD_BYTES} bytes; send it as a file part (with a filename) or as application/octet-stream`);
          return;
        }
        // busboy decoded it as UTF-8 text (a field is text: binary data comes as a part with a filename).
        const write = writeFile(user, path, Readable.from([Buffer.from(value, 'utf8')]), metadata);
        // Handled now: it may fail before the body ends and Promise.all below looks at it.
        write.catch(() => undefined);
        writes.push(write);
      });
      parser.on('error', (error: Error) => reject(new InvalidArgumentError(`malformed multipart body: ${error.message}`)));
      parser.on('close', () => {
        Promise.all(writes).then((files) => {
          if (refusal) reject(refusal);
          else if (missingTarget) reject(new InvalidArgumentError('a file part has no filename and no path query parameter was given'));
          else if (files.length === 0) reject(new InvalidArgumentError('no "file" part in the multipart body; add one'));
          else resolve(files);
        }, reject);
      });
      const body: Readable = gzipped ? gunzipped(request) : request;
      body.pipe(parser);
    });
  }

  async function writeFile(user: SandboxUser, path: string, data: Readable, metadata: FileMetadata | undefined): Promise<WrittenFile> {
    const file = filesystem.openForWrite(user, path, metadata);
    try {
      await copyInto(data, createWriteStream('', { fd: file.fd, autoClose: true }));
    } catch (error) {
      if (isErrnoError(error) && error.code?.startsWith('Z_')) {
        throw new InvalidArgumentError(`the body of '${file.path}' is not valid gzip; send it uncompressed or fix the encoding`);
      }
      throw fromSystemError(error, file.path);
    }
    // Always replaced, also with none: an overwrite must not keep the previous upload's metadata.
    const kept = filesystem.finishWrite(user, file, metadata);
    return { path: file.path, name: posix.basename(file.path), type: 'file', ...(kept ? { metadata: kept } : {}) };
  }

  /** Errors of a transfer are envd's `{message, code}` answers (or a cut body once streaming). */
  const guarded =
    (transfer: (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void>) =>
    async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
      try {
        await transfer(request, response, new URL(request.url ?? '/', 'http://agent'));
      } catch (error) {
        // An upload refused before its body was read (a FIFO, a denied path): read the rest
        // first, so the reply reaches the client (and a proxy) on an intact connection instead
        // of a reset mid-upload. The body goes nowhere; a bound keeps a stalled client from
        // holding the reply forever.
        if (request.method === 'POST' && !request.complete && !response.headersSent) await drained(request, UPLOAD_DRAIN_MS);
        sendError(response, error, logger);
      }
    };

  return {
    /** `GET /files?path=…`. */
    download: guarded(download),
    /** `POST /files[?path=…]`, multipart or octet-stream. */
    upload: guarded(upload),
    /** Any other method on `/files`. */
    methodNotAllowed(request: IncomingMessage, response: ServerResponse): void {
      sendEnvdError(response, 405, `method ${request.method} is not allowed on /files; use GET or POST`);
    },
  };
}

/** Largest filename-less `file` part taken (busboy buffers fields whole). */
const MAX_FIELD_BYTES = 16 * 1024 * 1024;

/** How long a refused upload's remaining body is read before the error is sent anyway. */
const UPLOAD_DRAIN_MS = 30_000;

function drained(request: IncomingMessage, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    request.once('end', done).once('close', done).once('error', done);
    request.resume();
  });
}

function requiredPath(url: URL): string {
  const path = url.searchParams.get('path');
  if (!path) throw new InvalidArgumentError('the path query parameter is required');
  return path;
}

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => /^\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*$)[\d.]+)?\s*$/i.test(part));
}

/**
 * Copies `source` into `sink` until the sink has closed its descriptor. Unlike pipeline(),
 * a failing sink (ENOSPC, EDQUOT) does not destroy the request: the rest of the body is
 * drained so the error reply still reaches the client on an intact connection.
 */
function copyInto(source: Readable, sink: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    sink.once('error', (error) => {
      failure = error;
      source.unpipe(sink);
      source.resume();
    });
    source.once('error', (error) => {
      failure = error;
      sink.destroy();
    });
    sink.once('close', () => (failure === undefined ? resolve() : reject(failure)));
    source.pipe(sink);
  });
}

const readAt = promisify(read);

/**
 * Whether a file that reports size 0 really is empty (`/proc` files report 0 and are not). A
 * positioned read leaves the offset where the download starts. On failure the descriptor is closed.
 */
async function isEmptyAtStart(fd: number): Promise<boolean> {
  try {
    const { bytesRead } = await readAt(fd, Buffer.alloc(1), 0, 1, 0);
    return bytesRead === 0;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Passes at most `limit` bytes; one more fails the transfer (`end` reads one byte past it). */
function capped(limit: number, path: string): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      if (sent > limit) {
        callback(new InvalidArgumentError(`'${path}' reports no size and is longer than ${limit} bytes; read it with a command instead`));
      } else callback(null, chunk);
    },
  });
}

/** pipe() does not forward errors; an aborted upload must fail the gunzip stream too. */
function gunzipped(source: Readable): Readable {
  const gunzip = createGunzip();
  source.once('error', (error) => gunzip.destroy(error));
  return source.pipe(gunzip);
}
