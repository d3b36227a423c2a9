import { InvalidTemplateNameError } from './errors.js';

/** Docker repository components are lowercase; the name also becomes part of a label and a tag. */
const TEMPLATE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function assertTemplateName(name: string): void {
  if (!TEMPLATE_NAME.test(name)) throw new InvalidTemplateNameError(name);
}

/**
 * Grammar of a template name as callers send it (`templateID`): one Docker repository path
 * component (lowercase letters and digits, single separators `.`, `_`, `__` or runs of `-`
 * between them), at most 63 characters. The name becomes `codebox/<name>:latest` inside a
 * Docker API path, so anything else (`/`, `..`, `%`, `:`, `\`, NUL, non-ASCII) must never get
 * that far. E2B's template ids and aliases (`base`, `code-interpreter-v1`) all fit.
 */
const TEMPLATE_REFERENCE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TEMPLATE_NAME_MAX_LENGTH = 63;

export function isTemplateReference(name: string): boolean {
  return name.length <= TEMPLATE_NAME_MAX_LENGTH && TEMPLATE_REFERENCE.test(name);
}

/** Tags per docs/internals.md: `codebox/<name>:<contentHash>` and `codebox/<name>:latest`. */
export function templateRepo(name: string): string {
  return `codebox/${name}`;
}

/** The debootstrapped tree without the agent; not a template, so it carries no codebox.template label. */
export const ROOTFS_REPO = 'codebox/rootfs';

/** The user's own image before the agent layer; separate repo so it never looks like a template. */
export const USER_BUILD_REPO = 'codebox-build';

export const TEMPLATE_LABEL = {
  template: 'codebox.template',
  contentHash: 'codebox.content-hash',
  /** Marks the intermediate rootfs image so it can be found and cleaned up. */
  rootfs: 'codebox.rootfs',
  /** On a rootfs with packages added by apt-get: the template it was built for, so older ones can go. */
  packagesFor: 'codebox.packages-for',
  /**
   * Isolation level the template's sandboxes run at (`runc` / `runsc`), over the runner's default.
   * Set by `template build --runtime`, or by the user's Dockerfile (`LABEL codebox.runtime=runsc`):
   * image labels are inherited by the agent layer.
   */
  runtime: 'codebox.runtime',
} as const;
