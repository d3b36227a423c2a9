// Regenerates the measured part of docs/compatibility.md from the suites' results. Never edit the
// tables by hand: run scripts/e2b-suites.sh (it calls this), or this file directly:
//   node test/e2b-suites/compat-doc.ts [--dir artifacts/e2b-suites] [--doc docs/compatibility.md] [--measured test/e2b-suites/measured.json]
// Suites found in --dir replace their entry in --measured (the committed record of the last
// measurement); the others keep theirs, so a JS-only re-run leaves the Python numbers standing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { areaOrder } from './areas.ts';
import { SUITES, loadExpected, type ExpectedEntry, type SuiteId } from './expectations.ts';
import { readSummaries } from './report.ts';
import { count, countBy, countsTable, type Counts, type SuiteSummary } from './summary.ts';

export interface SuiteRecord {
  suite: SuiteId;
  source: SuiteSummary['source'];
  codeboxCommit: string;
  measuredAt: string;
  seconds: number;
  total: Counts;
  byArea: [string, Counts][];
  byFile: [string, Counts][];
  /** Unexpected failures: area, file, test, first line of the error. */
  failures: { area: string; file: string; name: string; message: string }[];
  /** Listed as expected-unsupported but passed. */
  stale: string[];
  blocked: string[];
}

export function toRecord(s: SuiteSummary): SuiteRecord {
  return {
    suite: s.suite,
    source: s.source,
    codeboxCommit: s.codeboxCommit,
    measuredAt: s.measuredAt,
    seconds: s.seconds,
    total: count(s.tests),
    byArea: countBy(s.tests, (t) => t.area, areaOrder()),
    byFile: countBy(s.tests, (t) => t.file).sort(([a], [b]) => a.localeCompare(b)),
    failures: s.tests
      .filter((t) => t.verdict === 'failed')
      .map((t) => ({ area: t.area, file: t.file, name: t.name, message: (t.message ?? '').split('\n')[0]?.slice(0, 160) ?? '' })),
    stale: s.tests.filter((t) => t.listedButPassed).map((t) => `${t.file} › ${t.name}`),
    blocked: [...new Set(s.blocked.map((b) => `${b.target} (${b.file} › ${b.test})`))],
  };
}

const LANGUAGES: Record<string, readonly SuiteId[]> = { JavaScript: ['js-sdk', 'ci-js'], Python: ['python-sdk', 'ci-python'] };

function add(into: Counts, c: Counts): void {
  for (const k of Object.keys(into) as (keyof Counts)[]) into[k] += c[k];
}

function areaRows(records: readonly SuiteRecord[]): [string, Counts][] {
  const byArea = new Map<string, Counts>();
  for (const r of records)
    for (const [area, c] of r.byArea) {
      const sum = byArea.get(area) ?? { passed: 0, failed: 0, expected: 0, excluded: 0, skipped: 0, total: 0 };
      add(sum, c);
      byArea.set(area, sum);
    }
  const order = areaOrder();
  return [...byArea.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/`/g, "'");
}

function expectedSection(entries: readonly ExpectedEntry[]): string {
  const lines = ['| suite | file | tests | category | reason |', '| --- | --- | --- | --- | --- |'];
  for (const e of entries) {
    const tests = e.tests === undefined ? 'all' : e.tests.map((t) => md(t)).join('<br>');
    const category = e.issue === undefined ? e.category : `${e.category} (${e.issue})`;
    lines.push(`| ${e.suite} | \`${e.file}\` | ${tests} | ${category} | ${md(e.reason)} |`);
  }
  return lines.join('\n');
}

export function render(records: readonly SuiteRecord[], entries: readonly ExpectedEntry[]): string {
  const out: string[] = [];
  out.push('### What was measured', '');
  out.push('| suite | source | SDK | commit | Codebox (last change to packages/) | measured | minutes | tests | passed | failed | expected-unsupported | not run (internet) | skipped |');
  out.push('| --- | --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of records) {
    const c = r.total;
    out.push(
      `| ${r.suite} | ${SUITES[r.suite]} | ${r.source.sdkVersion} | ${r.source.commit} | ${r.codeboxCommit} | ${r.measuredAt.slice(0, 10)} | ${Math.round(r.seconds / 60)} | ${c.total} | ${c.passed} | ${c.failed} | ${c.expected} | ${c.excluded} | ${c.skipped} |`,
    );
  }
  for (const [language, ids] of Object.entries(LANGUAGES)) {
    const rs = records.filter((r) => ids.includes(r.suite));
    if (rs.length === 0) continue;
    out.push('', `### ${language}: per area (${rs.map((r) => r.suite).join(' + ')})`, '');
    out.push(countsTable('area', areaRows(rs)));
  }
  out.push('', '### Unexpected failures', '');
  const all = records.flatMap((r) => r.failures.map((f) => ({ ...f, suite: r.suite })));
  if (all.length === 0) out.push('None.');
  for (const area of areaOrder()) {
    const here = all.filter((f) => f.area === area);
    if (here.length === 0) continue;
    out.push(`**${area}** (${here.length})`, '');
    for (const f of here) out.push(`- ${f.suite} \`${f.file}\` › ${md(f.name)}${f.message ? ` — ${md(f.message)}` : ''}`);
    out.push('');
  }
  const stale = records.flatMap((r) => r.stale.map((s) => `${r.suite} ${s}`));
  if (stale.length > 0) out.push('', 'Listed as expected-unsupported but passed (remove them from the file):', '', ...stale.map((s) => `- ${md(s)}`));
  const blocked = records.flatMap((r) => r.blocked.map((b) => `${r.suite}: ${b}`));
  if (blocked.length > 0) out.push('', 'Connections the loopback guard refused (the test tried to leave the machine):', '', ...blocked.map((b) => `- ${md(b)}`));
  out.push('', '### Expected-unsupported (test/e2b-suites/expected-unsupported.json)', '', expectedSection(entries));
  out.push('', '### Per file', '');
  for (const r of records) {
    out.push('<details>', `<summary>${r.suite} (${r.byFile.length} files)</summary>`, '', countsTable('file', r.byFile), '', '</details>', '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd();
}

export const BEGIN = '<!-- BEGIN GENERATED by test/e2b-suites/compat-doc.ts: do not edit by hand -->';
export const END = '<!-- END GENERATED -->';

export function splice(doc: string, generated: string): string {
  const begin = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (begin === -1 || end === -1 || end < begin) throw new Error(`the document has no ${BEGIN} … ${END} section`);
  return `${doc.slice(0, begin + BEGIN.length)}\n\n${generated}\n\n${doc.slice(end)}`;
}

if (import.meta.main) {
  const root = join(import.meta.dirname, '../..');
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: join(root, 'artifacts/e2b-suites') },
      doc: { type: 'string', default: join(root, 'docs/compatibility.md') },
      measured: { type: 'string', default: join(import.meta.dirname, 'measured.json') },
    },
  });
  const previous: SuiteRecord[] = existsSync(values.measured) ? (JSON.parse(readFileSync(values.measured, 'utf8')) as SuiteRecord[]) : [];
  const fresh = readSummaries(values.dir).map(toRecord);
  const records = (Object.keys(SUITES) as SuiteId[])
    .map((id) => fresh.find((r) => r.suite === id) ?? previous.find((r) => r.suite === id))
    .filter((r): r is SuiteRecord => r !== undefined);
  writeFileSync(values.measured, `${JSON.stringify(records, null, 1)}\n`);
  writeFileSync(values.doc, splice(readFileSync(values.doc, 'utf8'), render(records, loadExpected())).replace(/\n*$/, '\n'));
}
