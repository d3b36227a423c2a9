import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** Set to true by build.mjs in the bundled agent.mjs that runs in sandboxes; absent elsewhere. */
declare const CODEBOX_AGENT_BUNDLE: boolean | undefined;

/**
 * A native add-on of the agent, or undefined when it does not load. In a sandbox it is only ever
 * `beside` agent.mjs (/opt/codebox, the agent layer's): every other path there is the template
 * image's, which a template author controls, and the agent runs as root. Run from its source or
 * compiled tree (tests), the `dev` candidates follow (a package name, the package's dist/).
 */
export function loadNativeAddon<T>(beside: URL, dev: readonly (URL | string)[]): T | undefined {
  const bundled = typeof CODEBOX_AGENT_BUNDLE !== 'undefined' && CODEBOX_AGENT_BUNDLE;
  for (const candidate of bundled ? [beside] : [beside, ...dev]) {
    try {
      return require(candidate instanceof URL ? fileURLToPath(candidate) : candidate) as T;
    } catch {
      // Next candidate; none loading means the caller's fallback.
    }
  }
  return undefined;
}
