import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/**
 * The first of `candidates` that loads as a native add-on (a file URL or a package name), or
 * undefined when none does. The agent's add-ons sit beside agent.mjs in a sandbox
 * (/opt/codebox); run from its source or compiled tree (tests) they are in the package's dist/.
 */
export function loadNativeAddon<T>(candidates: readonly (URL | string)[]): T | undefined {
  for (const candidate of candidates) {
    try {
      return require(candidate instanceof URL ? fileURLToPath(candidate) : candidate) as T;
    } catch {
      // Next candidate; none loading means the caller's fallback.
    }
  }
  return undefined;
}
