// The command-line side of scripts/e2b-suites.sh (run with Node's type stripping):
//   offline-files --kind vitest|pytest --root DIR --online JSON    files to re-run without the runner URL
//   collect --suite ID --kind K --root DIR --checkout DIR [--ref REF] --online JSON --offline JSON
//           --seconds N --expected FILE --out FILE                  one suite's summary JSON
//   print --dir DIR [--suites a,b]                                   tables + unexpected failures; exit 1 if any
//   rejudge --dir DIR [--expected FILE]                              re-apply the expected file to written results
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { areaOrder } from './areas.ts';
import { SUITES, loadExpected, type SuiteId } from './expectations.ts';
import { importsMsw, mergePasses, offlineCandidates, readPass } from './results.ts';
import { blockedEvents, count, countBy, countsTable, judge, type SuiteSummary } from './summary.ts';

function git(dir: string, ...args: string[]): string {
  try {
    return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function sdkVersion(suite: SuiteId, root: string): string {
  const packageJson = join(root, 'package.json');
  const pyproject = join(root, 'pyproject.toml');
  if (suite === 'js-sdk' || suite === 'ci-js') {
    // The SDK under test is the package the tests import: js-sdk's own source; code-interpreter's src.
    return existsSync(packageJson) ? String((JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: string }).version) : 'unknown';
  }
  const match = existsSync(pyproject) ? /^version = "([^"]+)"/m.exec(readFileSync(pyproject, 'utf8')) : null;
  return match?.[1] ?? 'unknown';
}

function kindOf(value: string | undefined): 'vitest' | 'pytest' {
  if (value !== 'vitest' && value !== 'pytest') throw new Error('--kind vitest|pytest');
  return value;
}

function need(value: string | undefined, name: string): string {
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
}

const options = {
  kind: { type: 'string' },
  root: { type: 'string' },
  online: { type: 'string' },
  offline: { type: 'string' },
  suite: { type: 'string' },
  checkout: { type: 'string' },
  ref: { type: 'string' },
  seconds: { type: 'string' },
  expected: { type: 'string' },
  out: { type: 'string' },
  dir: { type: 'string' },
  suites: { type: 'string' },
  /** The other SDK the suite runs on, e.g. "e2b 2.39.0" for the code-interpreter suites. */
  with: { type: 'string' },
} as const;

function offlineFiles(values: Record<string, string | undefined>): void {
  const root = need(values.root, 'root');
  const kind = kindOf(values.kind);
  const pass = readPass(need(values.online, 'online'), kind, root);
  const mocks = kind === 'vitest' ? (file: string) => importsMsw(join(root, file)) : undefined;
  if (pass !== undefined) for (const file of offlineCandidates(pass.runs, pass.guard, mocks)) console.log(file);
}

function collect(values: Record<string, string | undefined>): void {
  const suite = need(values.suite, 'suite') as SuiteId;
  if (!(suite in SUITES)) throw new Error(`unknown suite ${suite}`);
  const kind = kindOf(values.kind);
  const root = need(values.root, 'root');
  const online = readPass(need(values.online, 'online'), kind, root);
  const offline = values.offline === undefined ? undefined : readPass(values.offline, kind, root);
  if (online === undefined) throw new Error(`${suite}: no results in ${values.online} (did the test run start?)`);
  const checkout = need(values.checkout, 'checkout');
  const summary: SuiteSummary = {
    suite,
    source: {
      repo: SUITES[suite],
      commit: git(checkout, 'rev-parse', '--short=9', values.ref ?? 'HEAD'),
      sdkVersion: values.with === undefined ? sdkVersion(suite, root) : `${sdkVersion(suite, root)} (${values.with})`,
    },
    // The last commit that changed the product (packages/): what the runner ran, whatever branch this is.
    codeboxCommit: git(import.meta.dirname, 'log', '-1', '--format=%h', '--abbrev=9', '--', join(import.meta.dirname, '../../packages')),
    measuredAt: new Date().toISOString(),
    seconds: Number(values.seconds ?? 0),
    tests: judge(suite, mergePasses(online.runs, offline?.runs ?? []), loadExpected(values.expected)),
    // Only the pass with the runner URL: without it, every sandbox test knocks at api.e2b.app by design.
    blocked: blockedEvents(online.guard),
  };
  writeFileSync(need(values.out, 'out'), `${JSON.stringify(summary, null, 1)}\n`);
}

export function readSummaries(dir: string, suites?: readonly string[]): SuiteSummary[] {
  const ids = (suites ?? Object.keys(SUITES)).filter((id) => existsSync(join(dir, `${id}.json`)));
  return ids.map((id) => JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as SuiteSummary);
}

/** Re-applies the expected file to summaries already written (after editing the file; no re-run). */
function rejudge(values: Record<string, string | undefined>): void {
  const dir = need(values.dir, 'dir');
  const entries = loadExpected(values.expected);
  for (const summary of readSummaries(dir, values.suites?.split(','))) {
    const runs = summary.tests.map((t) => ({ file: t.file, name: t.name, outcome: t.outcome, mode: t.mode, ...(t.message === undefined ? {} : { message: t.message }) }));
    summary.tests = judge(summary.suite, runs, entries);
    writeFileSync(join(dir, `${summary.suite}.json`), `${JSON.stringify(summary, null, 1)}\n`);
  }
}

function print(values: Record<string, string | undefined>): number {
  const summaries = readSummaries(need(values.dir, 'dir'), values.suites?.split(','));
  let unexpected = 0;
  for (const s of summaries) {
    const c = count(s.tests);
    console.log(`\n## ${s.suite}: ${s.source.repo} @ ${s.source.commit} (SDK ${s.source.sdkVersion}), ${Math.round(s.seconds / 60)} min`);
    console.log(`${c.passed} passed, ${c.failed} failed, ${c.expected} expected-unsupported, ${c.excluded} not run (internet), ${c.skipped} skipped\n`);
    console.log(countsTable('file', countBy(s.tests, (t) => t.file)));
    console.log('');
    console.log(countsTable('area', countBy(s.tests, (t) => t.area, areaOrder())));
    const failures = s.tests.filter((t) => t.verdict === 'failed');
    unexpected += failures.length;
    if (s.tests.length === 0) {
      console.log(`\nNo test ran: see ${values.dir}/raw/${s.suite}-online.json.log`);
      unexpected += 1;
    }
    if (failures.length > 0) {
      console.log(`\nUnexpected failures (${failures.length}):`);
      for (const f of failures) console.log(`- [${f.area}] ${f.file} › ${f.name}\n    ${(f.message ?? '').split('\n')[0]}`);
    }
    const stale = s.tests.filter((t) => t.listedButPassed);
    if (stale.length > 0) {
      console.log(`\nListed in the expected file but passed (remove them from it):`);
      for (const t of stale) console.log(`- ${t.file} › ${t.name}`);
    }
    if (s.blocked.length > 0) {
      console.log(`\nConnections the loopback guard refused (${s.blocked.length}):`);
      for (const b of s.blocked) console.log(`- ${b.target} from ${b.file} › ${b.test}`);
    }
  }
  console.log(`\n${unexpected === 0 ? 'No unexpected failures.' : `${unexpected} unexpected failures.`}`);
  return unexpected === 0 ? 0 : 1;
}

if (import.meta.main) {
  const [command, ...rest] = process.argv.slice(2);
  const { values } = parseArgs({ args: rest, options, strict: true });
  if (command === 'offline-files') offlineFiles(values);
  else if (command === 'collect') collect(values);
  else if (command === 'print') process.exitCode = print(values);
  else if (command === 'rejudge') rejudge(values);
  else {
    console.error('usage: report.ts offline-files|collect|print|rejudge ...');
    process.exitCode = 2;
  }
}
