// Wraps a vitest config of E2B's suites (CODEBOX_SUITES_BASE_CONFIG) for scripts/e2b-suites.sh:
// adds vitest-setup.mjs to every project. Plain JS importing only Node built-ins, so it runs under
// the suite's own vitest wherever this repository is.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** The ES module entry of a package (require.resolve would give its CommonJS one). */
function esmEntry(packageJson) {
  const exported = JSON.parse(readFileSync(packageJson, 'utf8')).exports['.'];
  const pick = (e) => (typeof e === 'string' ? e : pick(e.import ?? e.default));
  return join(dirname(packageJson), pick(exported));
}

const baseConfig = process.env.CODEBOX_SUITES_BASE_CONFIG;
const root = dirname(baseConfig);
process.env.CODEBOX_SUITES_ROOT = root;
process.env.CODEBOX_SUITES_VITEST = esmEntry(createRequire(join(root, 'package.json')).resolve('vitest/package.json'));
const setupFile = join(import.meta.dirname ?? dirname(new URL(import.meta.url).pathname), 'vitest-setup.mjs');

const loaded = (await import(pathToFileURL(baseConfig).href)).default;
const config = typeof loaded === 'function' ? await loaded({ command: 'serve', mode: 'test' }) : loaded;

function patch(test) {
  const setupFiles = [].concat(test.setupFiles ?? []).map((f) => (f.startsWith('/') ? f : join(root, f)));
  const patched = { ...test, setupFiles: [setupFile, ...setupFiles], root };
  // The suites' own configs copy process.env at load time; re-read so the pass's variables win.
  if (test.env) patched.env = { ...process.env };
  return patched;
}

config.test = config.test ?? {};
if (Array.isArray(config.test.projects)) {
  config.test.projects = config.test.projects.map((p) => ({ ...p, test: patch(p.test ?? {}) }));
} else {
  config.test = patch(config.test);
}
config.root = root;
export default config;
