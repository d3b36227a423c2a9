/**
 * What the `base` template's root filesystem is made of: the one place to change its package
 * list. Every default template starts from it (default-templates.ts adds the kernels' packages
 * for `code-interpreter-v1`). Both sources (debootstrap, registry) install exactly these packages; what the chosen source
 * uses, except the mirror, feeds the rootfs content hash, so a change rebuilds the image.
 */
export const BASE_ROOTFS_RECIPE = {
  suite: 'trixie',
  /** debootstrap only. */
  variant: 'minbase',
  /** debootstrap only; the registry image keeps its own apt sources (which add security updates). */
  mirror: 'http://deb.debian.org/debian',
  /** registry only: the image the generated Dockerfile starts FROM; must be Debian `suite`. */
  image: 'debian:trixie-slim',
  packages: [
    'bash',
    'ca-certificates',
    'coreutils',
    'curl',
    'git',
    'procps',
    'python3',
    // `python` as well as `python3`, and pip (user installs, see docs/languages.md), as E2B's base has.
    'python-is-python3',
    'python3-pip',
    // setpriv, used to drop privileges without sudo.
    'util-linux',
  ],
} as const;

export type RootfsRecipe = {
  suite: string;
  variant: string;
  mirror: string;
  image: string;
  packages: readonly string[];
};

/** Bumped when the way images are built changes, so cached images from older builders are not reused. */
export const TEMPLATE_BUILDER_VERSION = '1';
