/**
 * Warm-pool sizes per template name (`pool` in the runner config). 0 (or no entry) keeps no
 * containers for that template. The defaults hold the two built-in templates ready: every pooled
 * container counts against `quotas.maxSandboxes` like a sandbox, with the same memory limit.
 */
export type PoolSizes = Readonly<Record<string, number>>;

export const DEFAULT_POOL_SIZES: PoolSizes = Object.freeze({ 'code-interpreter-v1': 2, base: 1 });

/** Largest size one template's pool may have: more only holds memory no create waits for. */
export const MAX_POOL_SIZE = 64;

export class PoolSizesError extends Error {
  override readonly name = 'PoolSizesError';
}

/**
 * `CODEBOX_POOL` / `--pool`: `template=size` pairs separated by commas, e.g.
 * `code-interpreter-v1=2,base=1`; `base=0` turns one template's pool off. An empty text is no entry.
 */
export function parsePoolSizes(text: string): Record<string, number> {
  const sizes: Record<string, number> = {};
  for (const item of text.split(',').map((part) => part.trim()).filter(Boolean)) {
    const match = /^([A-Za-z0-9][A-Za-z0-9_.:/-]*)=(\d+)$/.exec(item);
    const size = Number(match?.[2]);
    if (!match?.[1] || !Number.isInteger(size) || size > MAX_POOL_SIZE) {
      throw new PoolSizesError(`pool entry "${item}" is not template=size (size 0 to ${MAX_POOL_SIZE}), e.g. code-interpreter-v1=2,base=1`);
    }
    sizes[match[1]] = size;
  }
  return sizes;
}
