// A setup file the wrapper config (vitest-wrapper.config.mjs) adds to every project of E2B's JS
// suites. It tells the loopback guard which test runs (for its log) and skips the tests the
// expected-unsupported file marks `internet`: those must not run here at all.
// `vitest` is loaded from the suite's own install (CODEBOX_SUITES_VITEST), not this repository's.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';

const { beforeEach } = await import(pathToFileURL(process.env.CODEBOX_SUITES_VITEST).href);
const suite = process.env.CODEBOX_SUITES_ID;
const root = process.env.CODEBOX_SUITES_ROOT;
const entries = JSON.parse(readFileSync(process.env.CODEBOX_SUITES_EXPECTED, 'utf8')).entries.filter(
  (e) => e.suite === suite && e.category === 'internet',
);

// Same matching rules as test/e2b-suites/expectations.ts (globToRegExp, nameMatches).
const glob = (g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
const nameMatches = (p, n) => (p.endsWith('*') ? n.startsWith(p.slice(0, -1)) : n === p);

function fullName(task) {
  const names = [];
  for (let t = task; t && t.type !== undefined && t !== task.file; t = t.suite) names.unshift(t.name);
  return names.join(' > ');
}

globalThis.__codeboxE2bSuites = { file: undefined, test: undefined };

// vitest reads a hook's first parameter as a fixture list: it must be destructured.
beforeEach(({ task, skip }) => {
  const file = relative(root, task.file.filepath);
  const name = fullName(task);
  globalThis.__codeboxE2bSuites = { file, test: name };
  const hit = entries.find((e) => glob(e.file).test(file) && (e.tests === undefined || e.tests.some((t) => nameMatches(t, name))));
  if (hit) skip(`codebox: not run, ${hit.reason}`);
});
