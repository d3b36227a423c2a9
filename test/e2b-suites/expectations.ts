// The expected-unsupported file (expected-unsupported.json beside this file): which of E2B's own
// tests are allowed to fail against Codebox, each with its reason. Parsed and checked here; the
// Python side (pytest_codebox.py) reads the same file and matches with the same two rules, so keep
// `globToRegExp` and `nameMatches` in step with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { areaOf } from './areas.ts';

/** The four suites scripts/e2b-suites.sh runs, by the directory their file paths are relative to. */
export const SUITES = {
  'js-sdk': 'e2b-dev/E2B/packages/js-sdk',
  'ci-js': 'e2b-dev/code-interpreter/js',
  'python-sdk': 'e2b-dev/E2B/packages/python-sdk',
  'ci-python': 'e2b-dev/code-interpreter/python',
} as const;
export type SuiteId = keyof typeof SUITES;

/**
 * - `cloud-only`: exists only on E2B's cloud (its templates, domains, build service, volumes).
 * - `internet`: the test makes something reach a real host; never run here (traffic may go to loopback only).
 * - `not-yet-built`: a Codebox feature on the roadmap; `issue` names the issue that builds it.
 * - `by-design`: Codebox's security model rules it out (no root, read-only root filesystem).
 * - `harness`: the test environment here lacks something the test needs that is not Codebox
 *   (a Python package Debian does not ship); it says nothing about Codebox.
 */
export const CATEGORIES = ['cloud-only', 'internet', 'not-yet-built', 'by-design', 'harness'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ExpectedEntry {
  suite: SuiteId;
  /** Test file relative to the suite's directory; `*` matches any characters, `/` included. */
  file: string;
  /** Full test names (JS: describe titles and the title joined by " > "; Python: the node id after "::"). A trailing `*` matches a prefix. Absent: every test of the file. */
  tests?: string[];
  category: Category;
  reason: string;
  /** For `not-yet-built`: the issue that builds it, e.g. "#11". */
  issue?: string;
}

export class ExpectedFileError extends Error {
  override readonly name = 'ExpectedFileError';
}

/**
 * What is being built for issue 10 (PTY, user ports, signed URLs, file metadata and watch, the
 * file semantics, the code-interpreter result shapes): the file must never excuse these. An entry
 * does if its file lies in one of these areas (areas.ts) or its reason or test names mention one
 * of the words (lower case).
 */
export const AREAS_THAT_MUST_PASS = [
  'pty',
  'ports / host',
  'signed URLs',
  'file metadata',
  'watch',
  'code interpreter: results',
  'code interpreter: charts',
  'code interpreter: data (DataFrames)',
  'code interpreter: images',
  'code interpreter: env vars',
  'code interpreter: languages',
] as const;
export const FEATURES_THAT_MUST_PASS = [
  'pty',
  'terminal',
  'gethost',
  'get_host',
  'user port',
  'signed url',
  'signing',
  'signature',
  'downloadurl',
  'uploadurl',
  'download_url',
  'upload_url',
  'metadata',
  'symlink',
  'startedafter',
  'started_after',
  'remove',
  'chart',
  'dataframe',
  'result.data',
  'quotes',
  'getproperty',
] as const;

const DEFAULT_PATH = join(import.meta.dirname, 'expected-unsupported.json');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(entry: Record<string, unknown>, key: string, where: string): string {
  const value = entry[key];
  if (typeof value !== 'string' || value.trim() === '') throw new ExpectedFileError(`${where}: "${key}" must be a non-empty string`);
  return value;
}

/** Checks one raw entry; throws ExpectedFileError naming the entry and the problem. */
export function parseEntry(raw: unknown, index: number): ExpectedEntry {
  const where = `entry ${index}`;
  if (!isRecord(raw)) throw new ExpectedFileError(`${where}: not an object`);
  const known = new Set(['suite', 'file', 'tests', 'category', 'reason', 'issue']);
  const extra = Object.keys(raw).filter((key) => !known.has(key));
  if (extra.length > 0) throw new ExpectedFileError(`${where}: unknown keys ${extra.join(', ')}`);
  const suite = str(raw, 'suite', where);
  if (!(suite in SUITES)) throw new ExpectedFileError(`${where}: suite "${suite}" is not one of ${Object.keys(SUITES).join(', ')}`);
  const category = str(raw, 'category', where);
  if (!(CATEGORIES as readonly string[]).includes(category)) throw new ExpectedFileError(`${where}: category "${category}" is not one of ${CATEGORIES.join(', ')}`);
  const entry: ExpectedEntry = {
    suite: suite as SuiteId,
    file: str(raw, 'file', `${where}`),
    category: category as Category,
    reason: str(raw, 'reason', `${where} (${String(raw.file)})`),
  };
  if (raw.tests !== undefined) {
    if (!Array.isArray(raw.tests) || raw.tests.length === 0 || !raw.tests.every((t) => typeof t === 'string' && t !== '')) {
      throw new ExpectedFileError(`${where} (${entry.file}): "tests" must be a non-empty list of test names`);
    }
    entry.tests = raw.tests as string[];
  }
  if (raw.issue !== undefined) entry.issue = str(raw, 'issue', where);
  if (entry.category === 'not-yet-built' && entry.issue === undefined) {
    throw new ExpectedFileError(`${where} (${entry.file}): a not-yet-built entry names the issue that builds it`);
  }
  return entry;
}

export function parseExpectedFile(text: string): ExpectedEntry[] {
  const data: unknown = JSON.parse(text);
  if (!isRecord(data) || !Array.isArray(data.entries)) throw new ExpectedFileError('expected { "entries": [...] }');
  return data.entries.map((raw, index) => parseEntry(raw, index));
}

export function loadExpected(path: string = DEFAULT_PATH): ExpectedEntry[] {
  return parseExpectedFile(readFileSync(path, 'utf8'));
}

/** `*` matches any run of characters (slashes too), `?` one character; everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function nameMatches(pattern: string, name: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

/**
 * The entry that excuses this test, if any. An entry naming the test beats one naming its whole
 * file, so a file-wide reason can have per-test exceptions (e.g. the internet-reaching tests).
 */
export function findExpectation(entries: readonly ExpectedEntry[], suite: SuiteId, file: string, name: string): ExpectedEntry | undefined {
  const inFile = entries.filter((e) => e.suite === suite && globToRegExp(e.file).test(file));
  return inFile.find((e) => e.tests?.some((t) => nameMatches(t, name))) ?? inFile.find((e) => e.tests === undefined);
}

/** Entries that excuse a feature being built (see AREAS_THAT_MUST_PASS); `internet` ones never run, so they excuse nothing. */
export function entriesExcusingBuiltFeatures(entries: readonly ExpectedEntry[]): ExpectedEntry[] {
  const areas: readonly string[] = AREAS_THAT_MUST_PASS;
  return entries.filter((entry) => {
    if (entry.category === 'internet') return false;
    // A glob stands for the files it matches: give each `*` a word, as the area rules expect.
    if (areas.includes(areaOf(entry.suite, entry.file.replace(/\*/g, 'x')))) return true;
    const text = [entry.reason, ...(entry.tests ?? [])].join(' ').toLowerCase();
    return FEATURES_THAT_MUST_PASS.some((word) => text.includes(word));
  });
}
