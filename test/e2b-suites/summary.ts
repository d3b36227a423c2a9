// One suite's measured result (artifacts/e2b-suites/<suite>.json): every test with its verdict
// against the expected-unsupported file, and the counts the tables show.
import { areaOf } from './areas.ts';
import { findExpectation, type Category, type ExpectedEntry, type SuiteId } from './expectations.ts';
import type { GuardEvent, MergedRun, Mode, Outcome } from './results.ts';

/**
 * - `passed`; `failed` (unexpected); `expected` (failed, listed in the expected file);
 * - `excluded` (listed `internet`, so not run); `skipped` (the suite skipped it itself).
 */
export type Verdict = 'passed' | 'failed' | 'expected' | 'excluded' | 'skipped';
export const VERDICTS: readonly Verdict[] = ['passed', 'failed', 'expected', 'excluded', 'skipped'];

export interface TestResult {
  file: string;
  name: string;
  outcome: Outcome;
  mode: Mode;
  area: string;
  verdict: Verdict;
  category?: Category;
  reason?: string;
  issue?: string;
  /** Listed in the expected file but passed: the entry is stale. */
  listedButPassed?: boolean;
  message?: string;
}

export interface SuiteSummary {
  suite: SuiteId;
  /** The checkout the tests came from. */
  source: { repo: string; commit: string; sdkVersion: string };
  codeboxCommit: string;
  measuredAt: string;
  seconds: number;
  tests: TestResult[];
  /** Connections the loopback guard refused, with the test that tried. */
  blocked: { target: string; file: string; test: string }[];
}

export type Counts = Record<Verdict, number> & { total: number };

export function verdictOf(run: MergedRun, entry: ExpectedEntry | undefined): Verdict {
  if (run.outcome === 'passed') return 'passed';
  if (run.outcome === 'skipped') return entry?.category === 'internet' ? 'excluded' : 'skipped';
  return entry === undefined ? 'failed' : 'expected';
}

export function judge(suite: SuiteId, runs: readonly MergedRun[], entries: readonly ExpectedEntry[]): TestResult[] {
  return runs.map((run) => {
    const entry = findExpectation(entries, suite, run.file, run.name);
    const result: TestResult = { file: run.file, name: run.name, outcome: run.outcome, mode: run.mode, area: areaOf(suite, run.file), verdict: verdictOf(run, entry) };
    if (entry !== undefined) {
      result.category = entry.category;
      result.reason = entry.reason;
      if (entry.issue !== undefined) result.issue = entry.issue;
      if (run.outcome === 'passed') result.listedButPassed = true;
    }
    if (run.message !== undefined && result.verdict !== 'passed') result.message = run.message;
    return result;
  });
}

export function blockedEvents(guard: readonly GuardEvent[]): SuiteSummary['blocked'] {
  const seen = new Set<string>();
  const out: SuiteSummary['blocked'] = [];
  for (const g of guard) {
    if (g.kind !== 'blocked') continue;
    const key = `${g.target}\u0000${g.file}\u0000${g.test}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ target: g.target, file: g.file, test: g.test });
  }
  return out;
}

export function emptyCounts(): Counts {
  return { passed: 0, failed: 0, expected: 0, excluded: 0, skipped: 0, total: 0 };
}

export function count(tests: readonly TestResult[]): Counts {
  const counts = emptyCounts();
  for (const t of tests) {
    counts[t.verdict] += 1;
    counts.total += 1;
  }
  return counts;
}

/** Counts per key (file, area, ...), keys in first-seen order unless `order` is given. */
export function countBy(tests: readonly TestResult[], key: (t: TestResult) => string, order?: readonly string[]): [string, Counts][] {
  const groups = new Map<string, TestResult[]>();
  for (const t of tests) {
    const k = key(t);
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  const keys = [...groups.keys()];
  if (order !== undefined) keys.sort((a, b) => rank(order, a) - rank(order, b) || a.localeCompare(b));
  return keys.map((k) => [k, count(groups.get(k) ?? [])]);
}

function rank(order: readonly string[], key: string): number {
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}

/** A Markdown table of counts. */
export function countsTable(label: string, rows: readonly [string, Counts][]): string {
  const head = `| ${label} | tests | passed | failed | expected-unsupported | not run (internet) | skipped |`;
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: |';
  const line = (name: string, c: Counts): string => `| ${name} | ${c.total} | ${c.passed} | ${c.failed} | ${c.expected} | ${c.excluded} | ${c.skipped} |`;
  const total = emptyCounts();
  for (const [, c] of rows) for (const k of [...VERDICTS, 'total'] as const) total[k] += c[k];
  return [head, rule, ...rows.map(([name, c]) => line(name, c)), line('**total**', total)].join('\n');
}
