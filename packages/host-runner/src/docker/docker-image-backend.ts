import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import type { ImageBackend, ImageBuildTarget, ImageFacts } from '../templates/image-backend.js';
import type { RootfsTarget } from '../templates/rootfs-target.js';
import { createDockerClient } from './docker-client.js';
import { ImageBuildError, isDockerNotFound } from './errors.js';

/** The image operations templates need, on dockerd: `docker/` is the only dockerode user. */
export class DockerImageBackend implements ImageBackend {
  constructor(private readonly docker: Dockerode = createDockerClient()) {}

  async inspect(ref: string): Promise<ImageFacts | undefined> {
    try {
      const info = await this.docker.getImage(ref).inspect();
      return { id: info.Id, labels: info.Config.Labels ?? {}, repoTags: info.RepoTags ?? [], createdAt: new Date(info.Created) };
    } catch (err) {
      if (isDockerNotFound(err)) return undefined;
      throw err;
    }
  }

  async listWithLabel(label: string): Promise<ImageFacts[]> {
    const images = await this.docker.listImages({ filters: { label: [label] } });
    return images.map((image) => ({ id: image.Id, labels: image.Labels ?? {}, repoTags: image.RepoTags ?? [], createdAt: new Date(image.Created * 1000) }));
  }

  async tag(imageId: string, repo: string, tag: string): Promise<void> {
    await this.docker.getImage(imageId).tag({ repo, tag });
  }

  async untag(ref: string): Promise<void> {
    try {
      // With other references left the daemon only untags; noprune keeps untagged parents.
      await this.docker.getImage(ref).remove({ noprune: true });
    } catch (err) {
      if (!isDockerNotFound(err)) throw err;
    }
  }

  /** `docker import`: the labels go in as `LABEL` changes. */
  async importRootfs(tar: Readable, target: RootfsTarget, logger: Logger): Promise<string> {
    const ref = `${target.repo}:${target.tag}`;
    const changes = Object.entries(target.labels).map(([k, v]) => `LABEL ${JSON.stringify(k)}=${JSON.stringify(v)}`);
    const stream = await this.docker.importImage(tar, { repo: target.repo, tag: target.tag, changes });
    return this.followProgress(ref, stream, logger);
  }

  async build(context: Readable, target: ImageBuildTarget, logger: Logger): Promise<string> {
    const name = target.tags[0] ?? 'image';
    const stream = await this.docker.buildImage(context, {
      t: name,
      labels: target.labels,
      buildargs: target.buildArgs ?? {},
      dockerfile: target.dockerfile ?? 'Dockerfile',
      rm: true,
      forcerm: true,
      // Aborting closes the request, which makes the daemon cancel the build.
      ...(target.signal ? { abortSignal: target.signal } : {}),
    });
    const imageId = await this.followProgress(name, stream, logger);
    for (const ref of target.tags.slice(1)) {
      const [repo, tag] = splitRef(ref);
      await this.tag(imageId, repo, tag);
    }
    return imageId;
  }

  /**
   * The daemon answers 409 while a container or a child image uses it; the image then stays for a
   * later attempt. It also refuses (409) to delete by id an image with more than one tag, which
   * template images have (hash, pins), so the tags go first; a container using the image is looked
   * for before that, so an image in use keeps its tags.
   */
  async removeIfUnused(imageId: string): Promise<boolean> {
    try {
      const users = await this.docker.listContainers({ all: true, filters: { ancestor: [imageId] } });
      if (users.length > 0) return false;
      const refs = (await this.docker.getImage(imageId).inspect()).RepoTags ?? [];
      // One reference stays: an image found in use after all (a race) stays findable by it.
      for (const ref of refs.slice(1)) await this.untag(ref);
      await this.docker.getImage(imageId).remove({ noprune: false });
      return true;
    } catch (err) {
      if (isDockerNotFound(err)) return true;
      if (typeof err === 'object' && err !== null && (err as { statusCode?: unknown }).statusCode === 409) return false;
      throw err;
    }
  }

  /** Follows a build/import progress stream: logs each line at debug, keeps a tail for errors, finds the image id. */
  private followProgress(image: string, stream: NodeJS.ReadableStream, logger: Logger): Promise<string> {
    const tail: string[] = [];
    let imageId: string | undefined;
    let failure: string | undefined;
    return new Promise((resolve, reject) => {
      this.docker.modem.followProgress(
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
}

interface ProgressEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

function splitRef(ref: string): [string, string] {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, 'latest'];
}
