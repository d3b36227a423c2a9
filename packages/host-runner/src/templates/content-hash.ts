import { createHash } from 'node:crypto';
import { TEMPLATE_BUILDER_VERSION, type RootfsRecipe } from './base-rootfs-recipe.js';
import type { KernelFile } from './kernel-files.js';
import type { RootfsSource } from './rootfs-source.js';

/** Length of the hex content hash used in tags and labels. */
const HASH_LENGTH = 24;

function digest(parts: readonly string[]): string {
  const h = createHash('sha256');
  // Length-prefixed so ("ab","c") and ("a","bc") never hash alike.
  for (const part of parts) h.update(`${part.length}:${part}`);
  return h.digest('hex').slice(0, HASH_LENGTH);
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Cache key of the Debian root filesystem. The source is part of it because the two trees differ
 * (a slim image vs. a minbase debootstrap); each source adds only the recipe fields it uses, and
 * the mirror is left out on purpose (any mirror gives the same suite).
 */
export function rootfsHash(recipe: RootfsRecipe, source: RootfsSource): string {
  const sourceInput = source === 'debootstrap' ? recipe.variant : recipe.image;
  return digest(['rootfs', TEMPLATE_BUILDER_VERSION, source, sourceInput, recipe.suite, ...[...recipe.packages].sort()]);
}

/**
 * Cache key of a rootfs with packages added by apt-get: the tree below (whose hash covers its
 * packages and source) plus the added set, in any order.
 */
export function packageLayerHash(baseRootfsHash: string, packages: readonly string[]): string {
  return digest(['package-layer', TEMPLATE_BUILDER_VERSION, baseRootfsHash, ...[...packages].sort()]);
}

export interface AgentLayerInputs {
  templateName: string;
  /** Image id (sha256:...) the agent layer is added to. */
  baseImageId: string;
  agentSha256: string;
  sandboxExecSha256: string;
  nodeVersion: string;
  /** What /opt/codebox/kernels will hold (bytes as sha256); undefined when the layer has no kernels. */
  kernels: {
    directories: readonly string[];
    files: readonly Pick<KernelFile, 'path' | 'mode' | 'sha256'>[];
  } | undefined;
  /** sha256 of GVISOR_COMPAT_LIBRARY's bytes; absent (agent doubles) leaves the hash as it was. */
  gvisorCompatSha256?: string;
  /** The native add-ons in /opt/codebox by name, with their bytes' sha256; none (agent doubles) leaves the hash as it was. */
  addons?: readonly { name: string; sha256: string }[];
  /** Runtime written into the image's labels by `template build --runtime`; absent leaves every older hash as it was. */
  runtime?: string;
}

/** Cache key of a final template image: everything that ends up in it. */
export function agentLayerHash(inputs: AgentLayerInputs): string {
  return digest([
    'agent-layer',
    TEMPLATE_BUILDER_VERSION,
    inputs.templateName,
    inputs.baseImageId,
    inputs.agentSha256,
    inputs.sandboxExecSha256,
    inputs.nodeVersion,
    ...kernelParts(inputs.kernels),
    ...(inputs.gvisorCompatSha256 === undefined ? [] : [`gvisor-compat:${inputs.gvisorCompatSha256}`]),
    ...(inputs.addons ?? []).map((addon) => `addon:${addon.name}:${addon.sha256}`).sort(),
    ...(inputs.runtime === undefined ? [] : [`runtime:${inputs.runtime}`]),
  ]);
}

/** With the counts the flat list reads back one way only: an entry moved between the lists changes the hash. */
function kernelParts(kernels: AgentLayerInputs['kernels']): string[] {
  if (!kernels) return ['no-kernels'];
  return [
    `kernel-directories:${kernels.directories.length}`,
    ...kernels.directories,
    `kernel-files:${kernels.files.length}`,
    ...kernels.files.flatMap((file) => [file.path, file.mode.toString(8), file.sha256]),
  ];
}
