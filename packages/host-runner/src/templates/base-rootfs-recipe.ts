/**
 * What the default template's root filesystem is made of: the one place to change the package list.
 * Everything here feeds the rootfs content hash, so a change rebuilds the image.
 */
export const BASE_ROOTFS_RECIPE = {
  suite: 'trixie',
  variant: 'minbase',
  mirror: 'http://deb.debian.org/debian',
  packages: [
    'bash',
    'ca-certificates',
    'coreutils',
    'curl',
    'git',
    'procps',
    'python3',
    // setpriv, used to drop privileges without sudo.
    'util-linux',
  ],
} as const;

export type RootfsRecipe = {
  suite: string;
  variant: string;
  mirror: string;
  packages: readonly string[];
};

/** Bumped when the way images are built changes, so cached images from older builders are not reused. */
export const TEMPLATE_BUILDER_VERSION = '1';

/** The templates every runner provides; code-interpreter-v1 gains kernels in a later change. */
export const DEFAULT_TEMPLATE_NAMES = ['base', 'code-interpreter-v1'] as const;
