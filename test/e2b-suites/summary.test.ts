import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, render, splice, toRecord, type SuiteRecord } from './compat-doc.ts';
import { loadExpected, type ExpectedEntry } from './expectations.ts';
import { mergePasses, offlineCandidates, parseGuardLog, parsePytestJson, parseVitestJson } from './results.ts';
import { count, judge, type SuiteSummary } from './summary.ts';

const vitestJson = JSON.stringify({
  testResults: [
    {
      name: '/co/packages/js-sdk/tests/sandbox/files/remove.test.ts',
      status: 'failed',
      assertionResults: [
        { ancestorTitles: [], title: 'remove file', status: 'passed' },
        { ancestorTitles: ['outer', 'inner'], title: 'remove missing', status: 'failed', failureMessages: ['FileNotFoundError: nope\n  at x'] },
        { ancestorTitles: [], title: 'skipped one', status: 'skipped' },
      ],
    },
    { name: '/co/packages/js-sdk/tests/broken.test.ts', status: 'failed', message: 'SyntaxError: bad', assertionResults: [] },
  ],
});

describe('parsing results', () => {
  it('reads vitest JSON: full names, outcomes, and a file that failed before its tests', () => {
    const runs = parseVitestJson(vitestJson, '/co/packages/js-sdk');
    expect(runs.map((r) => [r.file, r.name, r.outcome])).toEqual([
      ['tests/sandbox/files/remove.test.ts', 'remove file', 'passed'],
      ['tests/sandbox/files/remove.test.ts', 'outer > inner > remove missing', 'failed'],
      ['tests/sandbox/files/remove.test.ts', 'skipped one', 'skipped'],
      ['tests/broken.test.ts', '(file)', 'failed'],
    ]);
    expect(runs[1]?.message).toContain('FileNotFoundError');
  });

  it('reads the pytest plugin JSON', () => {
    const runs = parsePytestJson(JSON.stringify({ tests: [{ nodeid: 'tests/sync/test_a.py::test_x[1]', outcome: 'failed', message: 'E boom' }] }));
    expect(runs).toEqual([{ file: 'tests/sync/test_a.py', name: 'test_x[1]', outcome: 'failed', message: 'E boom' }]);
  });

  it('picks for the offline pass only failing files that connected nowhere', () => {
    const runs = parseVitestJson(vitestJson, '/co/packages/js-sdk');
    const guard = parseGuardLog('connect\t127.0.0.1:3000\ttests/sandbox/files/remove.test.ts\tremove file\nblocked\tx.e2b.app:443\ttests/broken.test.ts\t\n');
    expect(offlineCandidates(runs, guard)).toEqual(['tests/broken.test.ts']);
    expect(offlineCandidates(runs, guard, (file) => file.includes('remove'))).toEqual(['tests/broken.test.ts', 'tests/sandbox/files/remove.test.ts']);
  });

  it('counts a test as passed when either pass passed it', () => {
    const online = [
      { file: 'a', name: 't1', outcome: 'failed' as const, message: 'online' },
      { file: 'a', name: 't2', outcome: 'failed' as const, message: 'online' },
    ];
    const offline = [
      { file: 'a', name: 't1', outcome: 'passed' as const },
      { file: 'a', name: 't2', outcome: 'failed' as const, message: 'offline' },
    ];
    expect(mergePasses(online, offline)).toEqual([
      { file: 'a', name: 't1', outcome: 'passed', mode: 'offline' },
      { file: 'a', name: 't2', outcome: 'failed', message: 'online', mode: 'online' },
    ]);
  });
});

describe('verdicts', () => {
  const entries: ExpectedEntry[] = [
    { suite: 'js-sdk', file: 'tests/sandbox/snapshot.test.ts', category: 'not-yet-built', issue: 'later', reason: 'pausing is not built yet' },
    { suite: 'js-sdk', file: 'tests/sandbox/internetAccess.test.ts', category: 'internet', reason: 'reaches the internet: gstatic' },
  ];
  const runs = [
    { file: 'tests/sandbox/snapshot.test.ts', name: 'pause', outcome: 'failed' as const, mode: 'online' as const },
    { file: 'tests/sandbox/snapshot.test.ts', name: 'resume', outcome: 'passed' as const, mode: 'online' as const },
    { file: 'tests/sandbox/internetAccess.test.ts', name: 'enabled', outcome: 'skipped' as const, mode: 'online' as const },
    { file: 'tests/sandbox/files/read.test.ts', name: 'read', outcome: 'failed' as const, mode: 'online' as const },
    { file: 'tests/sandbox/files/read.test.ts', name: 'own skip', outcome: 'skipped' as const, mode: 'online' as const },
  ];

  it('judges each test against the expected file', () => {
    const results = judge('js-sdk', runs, entries);
    expect(results.map((r) => r.verdict)).toEqual(['expected', 'passed', 'excluded', 'failed', 'skipped']);
    expect(results[1]?.listedButPassed).toBe(true);
    expect(results[3]?.area).toBe('files');
    expect(count(results)).toEqual({ passed: 1, failed: 1, expected: 1, excluded: 1, skipped: 1, total: 5 });
  });

  it('renders the document tables from the records', () => {
    const summary: SuiteSummary = {
      suite: 'js-sdk',
      source: { repo: 'e2b-dev/E2B/packages/js-sdk', commit: 'abc', sdkVersion: '2.45.0' },
      codeboxCommit: 'def',
      measuredAt: '2026-12-05T23:00:00.000Z',
      seconds: 600,
      tests: judge('js-sdk', runs, entries),
      blocked: [],
    };
    const text = render([toRecord(summary)], entries);
    expect(text).toContain('| js-sdk | e2b-dev/E2B/packages/js-sdk | 2.45.0 | abc | def | 2026-12-05 | 10 | 5 | 1 | 1 | 1 | 1 | 1 |');
    expect(text).toContain('### JavaScript: per area');
    expect(text).toContain('**files** (1)');
    expect(splice(`intro\n${BEGIN}\nold\n${END}\nafter\n`, 'new')).toBe(`intro\n${BEGIN}\n\nnew\n\n${END}\nafter\n`);
    expect(() => splice('no markers', 'new')).toThrow(/GENERATED/);
  });
});

describe('docs/compatibility.md', () => {
  it('shows exactly what test/e2b-suites/measured.json and the expected file say (no hand-edited tables)', () => {
    const root = join(import.meta.dirname, '../..');
    const records = JSON.parse(readFileSync(join(import.meta.dirname, 'measured.json'), 'utf8')) as SuiteRecord[];
    const doc = readFileSync(join(root, 'docs/compatibility.md'), 'utf8');
    expect(splice(doc, render(records, loadExpected()))).toBe(doc);
  });
});
