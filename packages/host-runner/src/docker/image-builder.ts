import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { ImageBuildError, isDockerNotFound } from './errors.js';

/** Image operations templates need; kept here because docker/ is the only dockerode user. */

export async function inspectImage(docker: Dockerode, ref: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (isDockerNotFound(err)) return undefined;
    throw err;
  }
}

export async function tagImage(docker: Dockerode, imageId: string, repo: string, tag: string): Promise<void> {
  await docker.getImage(imageId).tag({ repo, tag });
}

export async function listImagesWithLabel(docker: Dockerode, label: string): Promise<Dockerode.ImageInfo[]> {
  return docker.listImages({ filters: { label: [label] } });
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Follows a build/import progress stream: logs each line at debug, keeps a tail for errors, finds the image id. */
function followProgress(docker: Dockerode, image: string, stream: NodeJS.ReadableStream, logger: Logger): Promise<string> {
  const tail: string[] = [];
  let imageId: string | undefined;
  let failure: string | undefined;
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        const outputTail = tail.join('\n');
        if (err) return reject(new ImageBuildError(image, err.message, outputTail));
        if (failure) return reject(new ImageBuildError(image, failure, outputTail));
        if (!imageId) return reject(new ImageBuildError(image, 'the daemon reported no image id', outputTail));
        resolve(imageId);
      },
      (event: ProgressEvent) => {
        const text = (event.stream ?? event.status ?? '').trimEnd();
        if (text) {
          for (const line of text.split('\n')) {
            logger.debug({ image }, line);
            tail.push(line);
            if (tail.length > 40) tail.shift();
          }
        }
        if (event.error) failure = event.errorDetail?.message ?? event.error;
        if (event.aux?.ID) imageId = event.aux.ID;
        // An import answers with the new image id as its status line.
        else if (event.status?.startsWith('sha256:')) imageId = event.status.trim();
      },
    );
  });
}

/** `docker import` of a root filesystem tar stream; returns the image id. */
export async function importRootfsTar(
  docker: Dockerode,
  tar: Readable,
  target: { repo: string; tag: string; labels: Record<string, string> },
  logger: Logger,
): Promise<string> {
  const ref = `${target.repo}:${target.tag}`;
  const changes = Object.entries(target.labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
  const stream = await docker.importImage(tar, { repo: target.repo, tag: target.tag, changes });
  return followProgress(docker, ref, stream, logger);
}

export interface BuildTarget {
  /** `repo:tag` references; the first names the build in logs and errors. */
  tags: string[];
  labels: Record<string, string>;
  buildArgs?: Record<string, string>;
  dockerfile?: string;
  /** Aborting it closes the request, which makes the daemon cancel the build (and a pull it waits on). */
  signal?: AbortSignal;
}

/** `docker build` of a tar stream context; returns the image id. */
export async function buildFromContext(docker: Dockerode, context: Readable, target: BuildTarget, logger: Logger): Promise<string> {
  const name = target.tags[0] ?? 'image';
  const stream = await docker.buildImage(context, {
    t: name,
    labels: target.labels,
    buildargs: target.buildArgs ?? {},
    dockerfile: target.dockerfile ?? 'Dockerfile',
    rm: true,
    forcerm: true,
    ...(target.signal ? { abortSignal: target.signal } : {}),
  });
  const imageId = await followProgress(docker, name, stream, logger);
  for (const ref of target.tags.slice(1)) {
    const [repo, tag] = splitRef(ref);
    await tagImage(docker, imageId, repo, tag);
  }
  return imageId;
}

function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}

/**
 * Removes an image unless a container still uses it (the daemon answers 409 then, and the image
 * stays for a later attempt). Returns whether it was removed.
 */
export async function removeImageIfUnused(docker: Dockerode, imageId: string): Promise<boolean> {
  try {
    await docker.getImage(imageId).remove({ noprune: false });
    return true;
  } catch (err) {
    if (isDockerNotFound(err)) return true;
    if (typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 409) return false;
    throw err;
  }
}
