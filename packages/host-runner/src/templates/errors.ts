/** Typed failures of template building. `name` is stable so callers can branch on it. */

import type { RootfsRecipe } from './base-rootfs-recipe.js';
import type { RootfsSource } from './rootfs-source.js';

export class InvalidTemplateNameError extends Error {
  override readonly name = 'InvalidTemplateNameError';
  constructor(readonly templateName: string) {
    super(
      `Template name ${JSON.stringify(templateName)} is invalid: use 1-63 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
}

export class AgentBundleMissingError extends Error {
  override readonly name = 'AgentBundleMissingError';
  constructor(readonly path: string, readonly what: string) {
    super(`The ${what} is missing at ${path}; build it with \`npm run build -w packages/sandbox-agent\` and retry.`);
  }
}

/** The kernels directory is empty, or holds something the agent build never puts there (a symlink, a socket, …). */
export class AgentBundleInvalidError extends Error {
  override readonly name = 'AgentBundleInvalidError';
  constructor(readonly path: string, reason: string) {
    super(`The agent bundle entry ${path} ${reason}; rebuild the agent with \`npm run build -w packages/sandbox-agent\` and retry.`);
  }
}

export class KernelPackageListError extends Error {
  override readonly name = 'KernelPackageListError';
  constructor(readonly path: string, reason: string) {
    super(
      `The kernels' Debian package list ${path} is unusable: ${reason}. Each line is one Debian package name, then optional ` +
        '`import:<Python module>` and `run:<program>` checks (`#` starts a comment); fix the file and retry.',
    );
  }
}

export interface RootfsFailure {
  source: RootfsSource;
  recipe: RootfsRecipe;
  /** What went wrong, e.g. the daemon's or debootstrap's error output. */
  reason: string;
  /** Why this source was used (see chooseRootfsSource). */
  chosenBecause: string;
}

export class RootfsBuildError extends Error {
  override readonly name = 'RootfsBuildError';
  readonly source: RootfsSource;
  readonly suite: string;
  constructor(failure: RootfsFailure, options?: ErrorOptions) {
    const { source, recipe, reason, chosenBecause } = failure;
    const how = source === 'debootstrap' ? 'with debootstrap' : `FROM ${recipe.image}`;
    const advice =
      source === 'debootstrap'
        ? `debootstrap needs root, the debootstrap package (apt-get install debootstrap) and access to the Debian mirror ${recipe.mirror}; ` +
          `fix that, or set CODEBOX_ROOTFS_SOURCE=registry to build FROM ${recipe.image} where an image registry is reachable.`
        : `This needs an image registry that serves ${recipe.image} (Docker Hub, or a mirror in dockerd's registry-mirrors) and the Debian ` +
          'archive for apt-get; make one reachable, or install debootstrap and run the runner as root with CODEBOX_ROOTFS_SOURCE=debootstrap (or auto).';
    super(
      `Building the Debian ${recipe.suite} root filesystem ${how} failed (${chosenBecause}): ${reason}. ${advice} ` +
        'Rerun with CODEBOX_LOG_LEVEL=debug to see the build output.',
      options,
    );
    this.source = source;
    this.suite = recipe.suite;
  }
}

export interface PackageLayerFailure {
  packages: readonly string[];
  suite: string;
  /** The rootfs image the packages were being installed on. */
  from: string;
  reason: string;
}

export class PackageLayerBuildError extends Error {
  override readonly name = 'PackageLayerBuildError';
  readonly packages: readonly string[];
  constructor(failure: PackageLayerFailure, options?: ErrorOptions) {
    const { packages, suite, from, reason } = failure;
    super(
      `Installing ${packages.length} Debian packages (${packages.join(' ')}) with apt-get on ${from} failed: ${reason}. ` +
        `This needs the Debian ${suite} archive reachable from Docker's build network, and every name must be a ${suite} package ` +
        '(the list is packages/sandbox-agent/kernels/debian-packages.txt). Rerun with CODEBOX_LOG_LEVEL=debug to see the build output.',
      options,
    );
    this.packages = packages;
  }
}

export class InvalidRootfsRecipeError extends Error {
  override readonly name = 'InvalidRootfsRecipeError';
  constructor(reason: string) {
    super(`The root filesystem recipe is invalid: ${reason}; fix the recipe passed as rootfsRecipe (see base-rootfs-recipe.ts).`);
  }
}

export class TemplateLockTimeoutError extends Error {
  override readonly name = 'TemplateLockTimeoutError';
  constructor(
    readonly lockPath: string,
    readonly timeoutMs: number,
    /** Who holds the lock, as written in the lock file. */
    readonly holder: string,
  ) {
    super(
      `Waited ${Math.round(timeoutMs / 1000)} s for the template build lock ${lockPath}, held by ${holder}: another codebox process is ` +
        `still building templates in this data directory. Retry once it has finished; if no such process is running, delete ${lockPath}.`,
    );
  }
}

export class TemplateContextError extends Error {
  override readonly name = 'TemplateContextError';
  constructor(readonly contextDir: string, reason: string) {
    super(`Cannot use ${contextDir} as the template build context: ${reason}.`);
  }
}

/** A template's `codebox.runtime` label (or `--runtime`) names no isolation level the runner offers. */
export class InvalidTemplateRuntimeError extends Error {
  override readonly name = 'InvalidTemplateRuntimeError';
  constructor(readonly templateName: string, readonly runtime: string) {
    super(
      `Template ${JSON.stringify(templateName)} asks for runtime ${JSON.stringify(runtime)}; use runc or runsc ` +
        '(the image label codebox.runtime, or `codebox template build --runtime`).',
    );
  }
}
