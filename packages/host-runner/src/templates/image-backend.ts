import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { RootfsTarget } from './rootfs-target.js';

/**
 * What `templates/` asks of the container platform: image builds, imports, tags, lookups and
 * removal. `docker/` implements it (`DockerImageBackend`); nothing in `templates/` talks to
 * Docker any other way, so another backend (a registry builder for Kubernetes) plugs in here.
 */
export interface ImageBackend {
  /** The image a reference or id names, or undefined when there is none. */
  inspect(ref: string): Promise<ImageFacts | undefined>;
  /** Images carrying a label: `key` (any value) or `key=value`. */
  listWithLabel(label: string): Promise<ImageFacts[]>;
  tag(imageId: string, repo: string, tag: string): Promise<void>;
  /** Removes one `repo:tag` reference; the image stays under its other references. Gone already is fine. */
  untag(ref: string): Promise<void>;
  /** Builds a tar stream build context; returns the image id. */
  build(context: Readable, target: ImageBuildTarget, logger: Logger): Promise<string>;
  /** Imports a root filesystem tar stream as an image; returns the image id. */
  importRootfs(tar: Readable, target: RootfsTarget, logger: Logger): Promise<string>;
  /** Removes an image, all its tags with it, unless something still uses it; returns whether it is gone. */
  removeIfUnused(imageId: string): Promise<boolean>;
}

export interface ImageFacts {
  id: string;
  /** The image's labels; empty when it has none. */
  labels: Readonly<Record<string, string>>;
  repoTags: readonly string[];
  createdAt: Date;
}

export interface ImageBuildTarget {
  /** `repo:tag` references; the first names the build in logs and errors. */
  tags: string[];
  labels: Record<string, string>;
  buildArgs?: Record<string, string>;
  /** The Dockerfile's path inside the context. Default `Dockerfile`. */
  dockerfile?: string;
  /** Aborting it cancels the build (and a pull it waits on). */
  signal?: AbortSignal;
}
