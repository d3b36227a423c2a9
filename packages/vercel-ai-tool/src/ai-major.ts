import { createRequire } from 'node:module';

/**
 * The major version of the `ai` package the application installed (ours is a peer dependency),
 * read once from its package.json; `undefined` when it cannot be found. Used where ai@6 and
 * ai@7 want different shapes at runtime.
 */
export function installedAiMajor(): number | undefined {
  try {
    const { version } = createRequire(import.meta.url)('ai/package.json') as { version?: unknown };
    const major = typeof version === 'string' ? Number.parseInt(version, 10) : Number.NaN;
    return Number.isNaN(major) ? undefined : major;
  } catch {
    return undefined;
  }
}
