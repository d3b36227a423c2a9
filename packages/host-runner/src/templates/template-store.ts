import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { createDockerClient } from '../docker/docker-client.js';
import { buildFromContext, inspectImage, listImagesWithLabel, removeImageIfUnused, tagImage } from '../docker/image-builder.js';
import { createLogger } from '../logger.js';
import { defaultAgentBundlePaths, loadAgentBundle, type AgentBundle, type AgentBundlePaths } from './agent-bundle.js';
import { agentLayerContext } from './agent-layer.js';
import { BASE_ROOTFS_RECIPE, DEFAULT_TEMPLATE_NAMES, type RootfsRecipe } from './base-rootfs-recipe.js';
import { agentLayerHash, rootfsHash } from './content-hash.js';
import { INJECTED_DOCKERFILE, packBuildContext } from './context-packer.js';
import { buildRootfsImage } from './rootfs-builder.js';
import { chooseRootfsSource, probeRootfsHost, type RootfsSourceChoice, type RootfsSourceSetting } from './rootfs-source.js';
import { withBuildLock } from './build-lock.js';
import type { TemplateCatalog, TemplateImage } from './template-catalog.js';
import { ROOTFS_REPO, USER_BUILD_REPO, TEMPLATE_LABEL, assertTemplateName, templateRepo } from './template-names.js';
import { BUILD_CA_ARG, readHostCaBundle, usesBuildCaArg } from './build-ca.js';
import { TemplateContextError } from './errors.js';

export interface TemplateStoreOptions {
  /**
   * Runner data directory; debootstrap works under `<dataDir>/templates`, and `<dataDir>/templates.lock`
   * serialises builds of every process using it. Default `/var/lib/codebox`.
   */
  dataDir?: string;
  logger?: Logger;
  docker?: Dockerode;
  /** Where the agent, sandbox-exec and Node come from; defaults to the sandbox-agent package and this Node. */
  agentBundle?: AgentBundlePaths;
  /** The default template's Debian tree; tests may shrink it. */
  rootfsRecipe?: RootfsRecipe;
  /** Where that tree comes from (`CODEBOX_ROOTFS_SOURCE`); `auto` (default) uses debootstrap when installed and root. */
  rootfsSource?: RootfsSourceSetting;
  /** Upper bound of a registry rootfs build, pull included. Default 15 minutes. */
  registryBuildTimeoutMs?: number;
  /** Templates ensureDefaultTemplates builds; tests use their own names so the shared defaults stay untouched. */
  defaultTemplateNames?: readonly string[];
  /** How long a build waits for another process's build in the same data dir. Default 30 minutes. */
  lockTimeoutMs?: number;
}

const DEFAULT_REGISTRY_BUILD_TIMEOUT_MS = 15 * 60_000;
// A cold build of both default templates (debootstrap, two agent layers) takes minutes; waiting
// for one must outlast it.
const DEFAULT_LOCK_TIMEOUT_MS = 30 * 60_000;

export interface TemplateBuildRequest {
  /** Template name users will pass as `templateID`. */
  name: string;
  /** Path of the Dockerfile; relative paths are taken from contextDir. Default `<contextDir>/Dockerfile`. */
  dockerfile?: string;
  contextDir: string;
}

/**
 * Builds and finds template images. Images are cached by content hash: a build whose inputs
 * are unchanged finds its image by tag and returns at once.
 */
export class TemplateStore implements TemplateCatalog {
  private readonly workDir: string;
  private readonly lockPath: string;
  private readonly logger: Logger;
  private readonly docker: Dockerode;
  private readonly bundlePaths: AgentBundlePaths;
  private readonly recipe: RootfsRecipe;
  private readonly sourceSetting: RootfsSourceSetting;
  private readonly registryBuildTimeoutMs: number;
  private readonly defaultNames: readonly string[];
  private readonly lockTimeoutMs: number;
  private sourceChoice: Promise<RootfsSourceChoice> | undefined;
  /** One build per key at a time: concurrent callers share the running build. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(options: TemplateStoreOptions = {}) {
    const dataDir = options.dataDir ?? '/var/lib/codebox';
    this.workDir = join(dataDir, 'templates');
    this.lockPath = join(dataDir, 'templates.lock');
    this.logger = (options.logger ?? createLogger()).child({ component: 'templates' });
    this.docker = options.docker ?? createDockerClient();
    this.bundlePaths = options.agentBundle ?? defaultAgentBundlePaths();
    this.recipe = options.rootfsRecipe ?? BASE_ROOTFS_RECIPE;
    this.sourceSetting = options.rootfsSource ?? 'auto';
    this.registryBuildTimeoutMs = options.registryBuildTimeoutMs ?? DEFAULT_REGISTRY_BUILD_TIMEOUT_MS;
    this.defaultNames = options.defaultTemplateNames ?? DEFAULT_TEMPLATE_NAMES;
    for (const name of this.defaultNames) assertTemplateName(name);
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  async resolve(name: string): Promise<TemplateImage | undefined> {
    const info = await inspectImage(this.docker, `${templateRepo(name)}:latest`);
    return info ? toTemplateImage(name, info.Config.Labels ?? {}, new Date(info.Created)) : undefined;
  }

  async list(): Promise<TemplateImage[]> {
    const images = await listImagesWithLabel(this.docker, TEMPLATE_LABEL.template);
    const out: TemplateImage[] = [];
    for (const image of images) {
      const name = image.Labels?.[TEMPLATE_LABEL.template];
      if (!name || !(image.RepoTags ?? []).includes(`${templateRepo(name)}:latest`)) continue;
      out.push(toTemplateImage(name, image.Labels ?? {}, new Date(image.Created * 1000)));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Builds (or finds in the cache) `base` and `code-interpreter-v1` (or the defaultTemplateNames option's). */
  ensureDefaultTemplates(): Promise<TemplateImage[]> {
    return this.exclusive('defaults', async () => {
      const started = Date.now();
      const bundle = await loadAgentBundle(this.bundlePaths);
      const rootfsId = (await this.buildBaseRootfsUnlessCached()).imageId;
      const images: TemplateImage[] = [];
      for (const name of this.defaultNames) images.push(await this.ensureAgentLayer(name, rootfsId, bundle));
      this.logger.info({ durationMs: Date.now() - started, templates: images.map((i) => i.image) }, 'default templates ready');
      return images;
    });
  }

  /** Builds a user's Dockerfile, then adds the agent layer to the result. */
  build(request: TemplateBuildRequest): Promise<TemplateImage> {
    assertTemplateName(request.name);
    return this.exclusive(`build:${request.name}`, async () => {
      const started = Date.now();
      const log = this.logger.child({ template: request.name });
      const dockerfilePath = request.dockerfile
        ? isAbsolute(request.dockerfile) ? request.dockerfile : join(request.contextDir, request.dockerfile)
        : join(request.contextDir, 'Dockerfile');
      const dockerfile = await readFile(dockerfilePath, 'utf8').catch(() => {
        throw new TemplateContextError(request.contextDir, `no Dockerfile at ${dockerfilePath}`);
      });
      const bundle = await loadAgentBundle(this.bundlePaths);
      const buildArgs = usesBuildCaArg(dockerfile) ? await readHostCaBundle() : undefined;
      log.info({ dockerfile: dockerfilePath, contextDir: request.contextDir, hostCa: buildArgs !== undefined }, 'user image: building');
      const userRef = `${USER_BUILD_REPO}/${request.name}:latest`;
      const userImageId = await buildFromContext(
        this.docker,
        await packBuildContext(request.contextDir, dockerfile),
        {
          tags: [userRef],
          labels: {},
          dockerfile: INJECTED_DOCKERFILE,
          ...(buildArgs ? { buildArgs: { [BUILD_CA_ARG]: buildArgs } } : {}),
        },
        log,
      );
      log.info({ durationMs: Date.now() - started, imageId: userImageId }, 'user image: built');
      const image = await this.ensureAgentLayer(request.name, userImageId, bundle);
      log.info({ durationMs: Date.now() - started, image: image.image }, 'template built');
      return image;
    });
  }

  /**
   * The Debian tree without the agent (`codebox/rootfs:<hash>`), built if missing. A Dockerfile
   * may start FROM it when it wants Debian without the default template's user.
   */
  ensureBaseRootfs(): Promise<{ imageId: string; ref: string }> {
    return this.exclusive('rootfs', () => this.buildBaseRootfsUnlessCached());
  }

  private async buildBaseRootfsUnlessCached(): Promise<{ imageId: string; ref: string }> {
    const choice = await this.chooseRootfsSource();
    const hash = rootfsHash(this.recipe, choice.source);
    const ref = `${ROOTFS_REPO}:${hash}`;
    const cached = await inspectImage(this.docker, ref);
    if (cached) {
      this.logger.info({ image: ref, source: choice.source }, 'rootfs: cache hit');
      return { imageId: cached.Id, ref };
    }
    const imageId = await buildRootfsImage(
      this.docker,
      {
        recipe: this.recipe,
        choice,
        workDir: this.workDir,
        registryTimeoutMs: this.registryBuildTimeoutMs,
        target: { repo: ROOTFS_REPO, tag: hash, labels: { [TEMPLATE_LABEL.rootfs]: this.recipe.suite, [TEMPLATE_LABEL.contentHash]: hash } },
      },
      this.logger,
    );
    return { imageId, ref };
  }

  /** Decided once per store: the host does not change under a running runner. */
  private chooseRootfsSource(): Promise<RootfsSourceChoice> {
    this.sourceChoice ??= probeRootfsHost().then((host) => chooseRootfsSource(this.sourceSetting, host));
    return this.sourceChoice;
  }

  private async ensureAgentLayer(name: string, baseImageId: string, bundle: AgentBundle): Promise<TemplateImage> {
    const hash = agentLayerHash({
      templateName: name,
      baseImageId,
      agentSha256: bundle.agentSha256,
      sandboxExecSha256: bundle.sandboxExecSha256,
      nodeVersion: bundle.nodeVersion,
    });
    const repo = templateRepo(name);
    const ref = `${repo}:${hash}`;
    const labels = { [TEMPLATE_LABEL.template]: name, [TEMPLATE_LABEL.contentHash]: hash };
    const cached = await inspectImage(this.docker, ref);
    if (cached) {
      // `latest` may point elsewhere (an older build); the hash tag is the truth.
      await tagImage(this.docker, cached.Id, repo, 'latest');
      this.logger.info({ image: ref }, 'agent layer: cache hit');
      return toTemplateImage(name, labels, new Date(cached.Created));
    }
    const started = Date.now();
    this.logger.info({ image: ref, base: baseImageId }, 'agent layer: building');
    await buildFromContext(this.docker, agentLayerContext(baseImageId, bundle), { tags: [ref, `${repo}:latest`], labels }, this.logger);
    const built = await inspectImage(this.docker, ref);
    this.logger.info({ image: ref, durationMs: Date.now() - started }, 'agent layer: built');
    if (built) await this.removeStaleImages(name, built.Id);
    return toTemplateImage(name, labels, built ? new Date(built.Created) : new Date());
  }

  /**
   * Older builds of a template (e.g. before an agent update) hold a 100+ MB layer each; drop them
   * once nothing runs from them. Images still in use stay and go on a later build.
   */
  private async removeStaleImages(name: string, currentId: string): Promise<void> {
    for (const image of await listImagesWithLabel(this.docker, `${TEMPLATE_LABEL.template}=${name}`)) {
      if (image.Id === currentId) continue;
      const removed = await removeImageIfUnused(this.docker, image.Id);
      this.logger.info({ template: name, imageId: image.Id, removed }, removed ? 'removed stale template image' : 'stale template image in use; kept');
    }
  }

  /**
   * Callers of this store share a running build per key; across stores and processes, builds in
   * one data dir take turns, so the second finds the first's images in the cache and never
   * retags or removes an image the other is building on.
   */
  private exclusive<T>(key: string, run: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running as Promise<T>;
    const p = this.underLock(run).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private async underLock<T>(run: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.lockPath), { recursive: true });
    return withBuildLock(this.lockPath, { timeoutMs: this.lockTimeoutMs, logger: this.logger }, run);
  }
}

function toTemplateImage(name: string, labels: Record<string, string>, createdAt: Date): TemplateImage {
  const contentHash = labels[TEMPLATE_LABEL.contentHash] ?? '';
  return { name, image: `${templateRepo(name)}:${contentHash || 'latest'}`, contentHash, createdAt };
}
