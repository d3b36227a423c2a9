import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { createLogger } from '../logger.js';
import { defaultAgentBundlePaths, loadAgentBundle, type AgentBundle, type AgentBundlePaths } from './agent-bundle.js';
import { agentLayerContext } from './agent-layer.js';
import { BASE_ROOTFS_RECIPE, type RootfsRecipe } from './base-rootfs-recipe.js';
import { agentLayerHash, packageLayerHash, rootfsHash } from './content-hash.js';
import { INJECTED_DOCKERFILE, packBuildContext } from './context-packer.js';
import { DEFAULT_TEMPLATES, defaultTemplateRecipes, type DefaultTemplate, type TemplateRecipe } from './default-templates.js';
import { defaultKernelPackageListPath } from './kernel-packages.js';
import { buildPackageLayer } from './package-layer.js';
import { buildRootfsImage } from './rootfs-builder.js';
import { chooseRootfsSource, probeRootfsHost, type RootfsSourceChoice, type RootfsSourceSetting } from './rootfs-source.js';
import { withBuildLock } from './build-lock.js';
import type { ImageBackend, ImageFacts } from './image-backend.js';
import { pinOwner, pinsOf, pinTag } from './image-pins.js';
import { removeStaleTemplateImages } from './stale-images.js';
import type { TemplateCatalog, TemplateImage } from './template-catalog.js';
import { ROOTFS_REPO, USER_BUILD_REPO, TEMPLATE_LABEL, assertTemplateName, isTemplateReference, templateRepo } from './template-names.js';
import { BUILD_CA_ARG, readHostCaBundle, usesBuildCaArg } from './build-ca.js';
import { InvalidTemplateRuntimeError, TemplateContextError } from './errors.js';
import { isSandboxRuntime, type SandboxRuntime } from '../sandboxes/sandbox-runtime.js';

export interface TemplateStoreOptions {
  /**
   * Runner data directory; debootstrap works under `<dataDir>/templates`, and `<dataDir>/templates.lock`
   * serialises builds of every process using it. Default `/var/lib/codebox`.
   */
  dataDir?: string;
  logger?: Logger;
  /** Where images are built, found and removed: the backend's (`DockerImageBackend` on dockerd). */
  images: ImageBackend;
  /** Where the agent, sandbox-exec, the kernels and Node come from; defaults to the sandbox-agent package and this Node. */
  agentBundle?: AgentBundlePaths;
  /** The `base` Debian tree, which every default template starts from; tests may shrink it. */
  rootfsRecipe?: RootfsRecipe;
  /** Where that tree comes from (`CODEBOX_ROOTFS_SOURCE`); `auto` (default) uses debootstrap when installed and root. */
  rootfsSource?: RootfsSourceSetting;
  /** Upper bound of a docker-built rootfs (registry source, pull included) or package layer. Default 15 minutes. */
  registryBuildTimeoutMs?: number;
  /** Templates ensureDefaultTemplates builds; tests use their own names so the shared defaults stay untouched. */
  defaultTemplates?: readonly DefaultTemplate[];
  /** The kernels' Debian package list; defaults to the sandbox-agent package's kernels/debian-packages.txt. */
  kernelPackageList?: string;
  /** How long a build waits for another process's build in the same data dir. Default 30 minutes. */
  lockTimeoutMs?: number;
  /** The runner's name on the dockerd (`runnerName`); with the data dir it names this runner's image pins. Default `default`. */
  runnerName?: string;
  /**
   * How long another runner's use of a template image (its pin, renewed while it resolves the
   * template) protects that image from this runner's stale-image removal. Default 24 hours.
   */
  staleImageGraceMs?: number;
  /** The clock pins and the grace period are judged by; tests pass a fake one. */
  now?: () => number;
}

/** A `codebox/rootfs:<hash>` image. */
interface RootfsImage {
  imageId: string;
  ref: string;
  hash: string;
}

// Bounds a registry pull or an apt-get layer that hangs. code-interpreter-v1's layer (979 packages,
// a 735 MB download) took 320 s on the shared 2-core machine at load 4-7 and 843 s at load 11-21.
const DEFAULT_REGISTRY_BUILD_TIMEOUT_MS = 30 * 60_000;
// A cold build of both default templates (a debootstrap, apt-get of R, a JDK and the Python stack,
// two agent layers) takes several minutes; waiting for one must outlast it.
const DEFAULT_LOCK_TIMEOUT_MS = 45 * 60_000;
/** Outlasts a blue/green switch-over or an upgrade's overlap; config `templateImageGraceHours`. */
export const DEFAULT_STALE_IMAGE_GRACE_MS = 24 * 3_600_000;

export interface TemplateBuildRequest {
  /** Template name users will pass as `templateID`. */
  name: string;
  /** Path of the Dockerfile; relative paths are taken from contextDir. Default `<contextDir>/Dockerfile`. */
  dockerfile?: string;
  contextDir: string;
  /** Isolation level its sandboxes need; overrides a `codebox.runtime` label of the Dockerfile. */
  runtime?: SandboxRuntime;
}

/**
 * Builds and finds template images. Images are cached by content hash: a build whose inputs
 * are unchanged finds its image by tag and returns at once.
 */
export class TemplateStore implements TemplateCatalog, AsyncDisposable {
  private readonly workDir: string;
  private readonly lockPath: string;
  private readonly logger: Logger;
  private readonly images: ImageBackend;
  private readonly bundlePaths: AgentBundlePaths;
  private readonly recipe: RootfsRecipe;
  private readonly kernelPackageList: string;
  private readonly sourceSetting: RootfsSourceSetting;
  private readonly registryBuildTimeoutMs: number;
  private readonly defaultTemplates: readonly DefaultTemplate[];
  private readonly lockTimeoutMs: number;
  private readonly owner: string;
  private readonly graceMs: number;
  private readonly now: () => number;
  /** This runner's pin on each image it used, by image id: renewed after a quarter of the grace period. */
  private readonly pins = new Map<string, { template: string; atMs: number }>();
  private sourceChoice: Promise<RootfsSourceChoice> | undefined;
  /** One build per key at a time: concurrent callers share the running build. */
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /**
   * The default templates this store ensured, by name. `:latest` is shared by every runner on
   * the dockerd, so another runner (another version) may retag it; sandboxes start from the
   * image with this runner's own agent while it exists.
   */
  private readonly ensured = new Map<string, string>();

  constructor(options: TemplateStoreOptions) {
    const dataDir = options.dataDir ?? '/var/lib/codebox';
    this.workDir = join(dataDir, 'templates');
    this.lockPath = join(dataDir, 'templates.lock');
    this.logger = (options.logger ?? createLogger()).child({ component: 'templates' });
    this.images = options.images;
    this.bundlePaths = options.agentBundle ?? defaultAgentBundlePaths();
    this.recipe = options.rootfsRecipe ?? BASE_ROOTFS_RECIPE;
    this.kernelPackageList = options.kernelPackageList ?? defaultKernelPackageListPath();
    this.sourceSetting = options.rootfsSource ?? 'auto';
    this.registryBuildTimeoutMs = options.registryBuildTimeoutMs ?? DEFAULT_REGISTRY_BUILD_TIMEOUT_MS;
    this.defaultTemplates = options.defaultTemplates ?? DEFAULT_TEMPLATES;
    for (const { name } of this.defaultTemplates) assertTemplateName(name);
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    this.owner = pinOwner(options.runnerName ?? 'default', dataDir);
    this.graceMs = options.staleImageGraceMs ?? DEFAULT_STALE_IMAGE_GRACE_MS;
    this.now = options.now ?? Date.now;
  }

  async resolve(name: string): Promise<TemplateImage | undefined> {
    // Defence in depth behind the API's check: the name is part of a Docker API path.
    if (!isTemplateReference(name)) return undefined;
    const own = this.ensured.get(name);
    if (own) {
      const info = (await this.images.inspect(own)) ?? (await this.rebuildEnsured(name, own));
      if (info) {
        this.renewPin(name, info);
        return toTemplateImage(name, info.labels, info.createdAt);
      }
    }
    const latest = await this.images.inspect(`${templateRepo(name)}:latest`);
    return latest ? toTemplateImage(name, latest.labels, latest.createdAt) : undefined;
  }

  /**
   * Another runner on the same dockerd (another version, so another agent) may remove this
   * runner's image once this runner's pin on it is older than the grace period (nothing resolved
   * it for that long) and no container uses it; a runner of a version before pins removes it at
   * once. Falling back to `:latest` would then start
   * sandboxes with that runner's agent; this runner builds its own again instead (from the cached
   * Debian tree when it is still there: seconds, not minutes).
   */
  private async rebuildEnsured(name: string, gone: string): Promise<ImageFacts | undefined> {
    this.logger.warn({ template: name, image: gone }, 'template image removed from under this runner; rebuilding it');
    await this.ensureDefaultTemplates();
    const rebuilt = this.ensured.get(name);
    return rebuilt ? this.images.inspect(rebuilt) : undefined;
  }

  async list(): Promise<TemplateImage[]> {
    const images = await this.images.listWithLabel(TEMPLATE_LABEL.template);
    const out: TemplateImage[] = [];
    for (const image of images) {
      const name = image.labels[TEMPLATE_LABEL.template];
      if (!name || !image.repoTags.includes(`${templateRepo(name)}:latest`)) continue;
      try {
        out.push(toTemplateImage(name, image.labels, image.createdAt));
      } catch (err) {
        // One image with a mistyped runtime label (built outside Codebox) must not hide the others.
        if (!(err instanceof InvalidTemplateRuntimeError)) throw err;
        this.logger.warn({ err, image: image.id }, 'template skipped');
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Builds (or finds in the cache) `base` and `code-interpreter-v1` (or the defaultTemplates
   * option's): each its own rootfs from its recipe, then the agent layer on it. The whole run
   * holds the build lock, so another process waits and then finds everything in the cache.
   */
  ensureDefaultTemplates(): Promise<TemplateImage[]> {
    return this.exclusive('defaults', async () => {
      const started = Date.now();
      const bundle = await loadAgentBundle(this.bundlePaths);
      const recipes = await defaultTemplateRecipes(this.defaultTemplates, this.recipe, this.kernelPackageList);
      const images: TemplateImage[] = [];
      for (const recipe of recipes) {
        const t = Date.now();
        const log = this.logger.child({ template: recipe.name });
        log.info({ packages: recipe.rootfs.packages.length + recipe.addedPackages.length }, 'template: ensuring');
        const rootfs = await this.ensureTemplateRootfsUnlocked(recipe, log);
        const image = await this.ensureAgentLayer(recipe.name, rootfs.imageId, bundle, log);
        // After the agent layer: the template images on an older tree are gone by now.
        if (recipe.addedPackages.length > 0) await this.removeStalePackageLayers(recipe.name, rootfs.imageId, log);
        log.info({ durationMs: Date.now() - t, image: image.image }, 'template: ready');
        this.ensured.set(recipe.name, image.image);
        images.push(image);
      }
      this.logger.info({ durationMs: Date.now() - started, templates: images.map((i) => i.image) }, 'default templates ready');
      return images;
    });
  }

  /** Builds a user's Dockerfile, then adds the agent layer to the result. */
  build(request: TemplateBuildRequest): Promise<TemplateImage> {
    assertTemplateName(request.name);
    if (request.runtime !== undefined && !isSandboxRuntime(request.runtime)) throw new InvalidTemplateRuntimeError(request.name, String(request.runtime));
    // A user build of the same name replaces the default for this runner too.
    this.ensured.delete(request.name);
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
      const userImageId = await this.images.build(
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
      const inherited = (await this.images.inspect(userImageId))?.labels[TEMPLATE_LABEL.runtime];
      if (request.runtime === undefined && inherited !== undefined && !isSandboxRuntime(inherited)) {
        throw new InvalidTemplateRuntimeError(request.name, inherited);
      }
      const image = await this.ensureAgentLayer(request.name, userImageId, bundle, log, request.runtime);
      log.info({ durationMs: Date.now() - started, image: image.image }, 'template built');
      return image;
    });
  }

  /**
   * The `base` Debian tree without the agent (`codebox/rootfs:<hash>`), built if missing. A
   * Dockerfile may start FROM it when it wants Debian without the default template's user.
   */
  async ensureBaseRootfs(): Promise<{ imageId: string; ref: string }> {
    const { imageId, ref } = await this.exclusive('rootfs', () => this.ensureRootfsUnlocked(this.recipe, this.logger));
    return { imageId, ref };
  }

  /**
   * A default template's tree: the base tree, plus (when the template adds packages) an apt-get
   * layer on it tagged `codebox/rootfs:<hash>` too; the caller holds the lock.
   */
  private async ensureTemplateRootfsUnlocked(recipe: TemplateRecipe, log: Logger): Promise<RootfsImage> {
    const base = await this.ensureRootfsUnlocked(recipe.rootfs, log);
    if (recipe.addedPackages.length === 0) return base;
    const hash = packageLayerHash(base.hash, recipe.addedPackages);
    const ref = `${ROOTFS_REPO}:${hash}`;
    const cached = await this.images.inspect(ref);
    if (cached) {
      log.info({ image: ref, packages: recipe.addedPackages.length }, 'packages: cache hit');
      return { imageId: cached.id, ref, hash };
    }
    const imageId = await buildPackageLayer(
      this.images,
      {
        fromImageId: base.imageId,
        suite: recipe.rootfs.suite,
        packages: recipe.addedPackages,
        timeoutMs: this.registryBuildTimeoutMs,
        target: {
          repo: ROOTFS_REPO,
          tag: hash,
          labels: { [TEMPLATE_LABEL.rootfs]: recipe.rootfs.suite, [TEMPLATE_LABEL.contentHash]: hash, [TEMPLATE_LABEL.packagesFor]: recipe.name },
        },
      },
      log,
    );
    return { imageId, ref, hash };
  }

  /**
   * Each change of the kernel package list leaves a package layer of about 1 GB; older ones go
   * once nothing uses them. The daemon refuses (409) while a container or a template image built
   * on one still exists, so those stay for a later run.
   */
  private async removeStalePackageLayers(name: string, currentId: string, log: Logger): Promise<void> {
    for (const image of await this.images.listWithLabel(`${TEMPLATE_LABEL.packagesFor}=${name}`)) {
      // Images built FROM a layer inherit its labels; only the layers themselves are tagged
      // codebox/rootfs and carry no template label.
      const isLayer = !image.labels[TEMPLATE_LABEL.template] && image.repoTags.some((tag) => tag.startsWith(`${ROOTFS_REPO}:`));
      if (image.id === currentId || !isLayer) continue;
      const removed = await this.images.removeIfUnused(image.id);
      log.info({ imageId: image.id, removed }, removed ? 'removed stale package layer' : 'stale package layer in use; kept');
    }
  }

  /** A recipe's tree, found by its hash (packages and source) or built; the caller holds the lock. */
  private async ensureRootfsUnlocked(recipe: RootfsRecipe, log: Logger): Promise<RootfsImage> {
    const choice = await this.chooseRootfsSource();
    const hash = rootfsHash(recipe, choice.source);
    const ref = `${ROOTFS_REPO}:${hash}`;
    const cached = await this.images.inspect(ref);
    if (cached) {
      log.info({ image: ref, source: choice.source }, 'rootfs: cache hit');
      return { imageId: cached.id, ref, hash };
    }
    const imageId = await buildRootfsImage(
      this.images,
      {
        recipe,
        choice,
        workDir: this.workDir,
        registryTimeoutMs: this.registryBuildTimeoutMs,
        target: { repo: ROOTFS_REPO, tag: hash, labels: { [TEMPLATE_LABEL.rootfs]: recipe.suite, [TEMPLATE_LABEL.contentHash]: hash } },
      },
      log,
    );
    return { imageId, ref, hash };
  }

  /** Decided once per store: the host does not change under a running runner. */
  private chooseRootfsSource(): Promise<RootfsSourceChoice> {
    this.sourceChoice ??= probeRootfsHost().then((host) => chooseRootfsSource(this.sourceSetting, host));
    return this.sourceChoice;
  }

  private async ensureAgentLayer(
    name: string,
    baseImageId: string,
    bundle: AgentBundle,
    log: Logger,
    runtime?: SandboxRuntime,
  ): Promise<TemplateImage> {
    const hash = agentLayerHash({
      ...(runtime ? { runtime } : {}),
      templateName: name,
      baseImageId,
      agentSha256: bundle.agentSha256,
      sandboxExecSha256: bundle.sandboxExecSha256,
      nodeVersion: bundle.nodeVersion,
      kernels: bundle.kernels,
      ...(bundle.gvisorCompat ? { gvisorCompatSha256: bundle.gvisorCompat.sha256 } : {}),
      addons: bundle.addons.map(({ name, sha256 }) => ({ name, sha256 })),
    });
    const repo = templateRepo(name);
    const ref = `${repo}:${hash}`;
    const labels: Record<string, string> = {
      [TEMPLATE_LABEL.template]: name,
      [TEMPLATE_LABEL.contentHash]: hash,
      ...(runtime ? { [TEMPLATE_LABEL.runtime]: runtime } : {}),
    };
    const cached = await this.images.inspect(ref);
    if (cached) {
      // `latest` may point elsewhere (an older build); the hash tag is the truth.
      await this.images.tag(cached.id, repo, 'latest');
      await this.pin(name, cached);
      log.info({ image: ref }, 'agent layer: cache hit');
      await this.removeStaleImages(name, cached.id);
      return toTemplateImage(name, cached.labels, cached.createdAt);
    }
    const started = Date.now();
    log.info({ image: ref, base: baseImageId, kernelFiles: bundle.kernels?.files.length ?? 0 }, 'agent layer: building');
    // Pinned as part of the build; until the tag is on, another runner's sweep sees an unpinned
    // image built within the grace period, which it keeps too.
    const pinnedAt = this.now();
    await this.images.build(agentLayerContext(baseImageId, bundle), { tags: [ref, `${repo}:latest`, `${repo}:${pinTag(this.owner, pinnedAt)}`], labels }, log);
    const built = await this.images.inspect(ref);
    log.info({ image: ref, durationMs: Date.now() - started }, 'agent layer: built');
    if (built) {
      this.remember(built.id, name, pinnedAt);
      await this.removeStaleImages(name, built.id);
    }
    return toTemplateImage(name, built?.labels ?? labels, built?.createdAt ?? new Date());
  }

  /**
   * Older builds of a template (e.g. before an agent update) hold a 100+ MB layer each; drop them
   * once nothing runs from them and no other runner on the dockerd still uses them (the rule is
   * in stale-images.ts). Runs at every ensure and build, so what is kept goes at a later one.
   */
  private async removeStaleImages(name: string, currentId: string): Promise<void> {
    await removeStaleTemplateImages({ images: this.images, template: name, currentId, owner: this.owner, graceMs: this.graceMs, nowMs: this.now(), logger: this.logger });
  }

  /** This runner uses one image per template at a time; its pins on earlier ones are left as they are. */
  private remember(imageId: string, template: string, atMs: number): void {
    for (const [id, pin] of this.pins) if (pin.template === template && id !== imageId) this.pins.delete(id);
    this.pins.set(imageId, { template, atMs });
  }

  /** Tags the image with this runner's pin as of now and drops this runner's older pins on it. */
  private async pin(name: string, image: ImageFacts): Promise<void> {
    const repo = templateRepo(name);
    const at = this.now();
    const tag = pinTag(this.owner, at);
    await this.images.tag(image.id, repo, tag);
    this.remember(image.id, name, at);
    for (const old of pinsOf(image.repoTags, repo)) {
      if (old.owner === this.owner && old.tag !== tag) await this.images.untag(`${repo}:${old.tag}`);
    }
  }

  /**
   * When the runner stops its pins protect nothing any more: each becomes a released pin (time 0),
   * which every other runner's sweep finds old, while this runner, started again (say after an
   * agent update), still knows the image for its own earlier build and removes it at once. Other
   * runners' sweeps drop released pins from images that stay, so test runners (one each) leave no
   * tags. A runner that crashes leaves its pins to age past the grace period.
   */
  async releasePins(): Promise<void> {
    const pins = [...this.pins.entries()];
    this.pins.clear();
    for (const [imageId, { template, atMs }] of pins) {
      const repo = templateRepo(template);
      try {
        await this.images.tag(imageId, repo, pinTag(this.owner, 0));
        await this.images.untag(`${repo}:${pinTag(this.owner, atMs)}`);
      } catch (err) {
        // Gone already (removed by another runner, or superseded): nothing to release.
        this.logger.warn({ err, template, image: imageId }, 'template image pin not released; it ages out');
      }
    }
  }

  /** `await using store = new TemplateStore(…)`: a store that goes out of scope releases its pins. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.releasePins();
  }

  /**
   * A runner that keeps using its image keeps it pinned: renewed in the background (off the
   * create path) once a quarter of the grace period has passed since the last pin, followed by a
   * sweep of the template's stale images (under the build lock, as at a build).
   */
  private renewPin(name: string, image: ImageFacts): void {
    const last = this.pins.get(image.id)?.atMs;
    if (last !== undefined && this.now() - last < this.graceMs / 4) return;
    this.remember(image.id, name, this.now());
    this.pin(name, image)
      // A runner that runs for weeks sweeps as it renews, so what a sweep kept (young, or pinned by
      // a runner since gone) does not wait for the next start or build.
      .then(() => this.exclusive(`sweep:${name}`, () => this.removeStaleImages(name, image.id)))
      .catch((err: unknown) => {
        this.pins.delete(image.id);
        this.logger.warn({ err, template: name, image: image.id }, 'template image pin not renewed or stale images not swept; retried at the next resolve');
      });
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
  const runtime = labels[TEMPLATE_LABEL.runtime];
  // Sandboxes must not silently fall back to the weaker level when a label is mistyped.
  if (runtime !== undefined && !isSandboxRuntime(runtime)) throw new InvalidTemplateRuntimeError(name, runtime);
  return { name, image: `${templateRepo(name)}:${contentHash || 'latest'}`, contentHash, createdAt, ...(runtime ? { runtime } : {}) };
}
