import { createHash } from 'node:crypto';
import { TEMPLATE_BUILDER_VERSION, type RootfsRecipe } from './base-rootfs-recipe.js';
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

export interface AgentLayerInputs {
  templateName: string;
  /** Image id (sha256:...) the agent layer is added to. */
  baseImageId: string;
  agentSha256: string;
  sandboxExecSha256: string;
  nodeVersion: string;
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
  ]);
}
