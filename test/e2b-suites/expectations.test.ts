import { describe, expect, it } from 'vitest';
import { entriesExcusingBuiltFeatures, ExpectedFileError, findExpectation, globToRegExp, loadExpected, parseEntry, parseExpectedFile, type ExpectedEntry } from './expectations.ts';

describe('the expected-unsupported file', () => {
  const entries = loadExpected();

  it('parses, and every entry has a suite, a category and a reason', () => {
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry.reason.trim().length).toBeGreaterThan(10);
      expect(entry.category).toMatch(/^(cloud-only|internet|not-yet-built|by-design|harness)$/);
    }
  });

  it('names the issue of every not-yet-built entry', () => {
    for (const entry of entries.filter((e) => e.category === 'not-yet-built')) expect(entry.issue).toBeDefined();
  });

  it('excuses none of the features being built for issue 10 (PTY, ports, signed URLs, metadata, file semantics, results)', () => {
    expect(entriesExcusingBuiltFeatures(entries).map((e) => `${e.file}: ${e.reason}`)).toEqual([]);
  });

  it('says "reaches the internet" for every internet entry', () => {
    for (const entry of entries.filter((e) => e.category === 'internet')) expect(entry.reason).toMatch(/^reaches the internet/);
  });

  it('lists no test twice', () => {
    const seen = new Set<string>();
    for (const entry of entries) {
      for (const test of entry.tests ?? ['(file)']) {
        const key = `${entry.suite} ${entry.file} ${test}`;
        expect(seen.has(key), key).toBe(false);
        seen.add(key);
      }
    }
  });
});

describe('parseEntry', () => {
  const ok = { suite: 'js-sdk', file: 'tests/a.test.ts', category: 'cloud-only', reason: 'E2B-only template' };

  it('accepts a complete entry', () => {
    expect(parseEntry(ok, 0)).toEqual(ok);
  });

  it.each([
    [{ ...ok, reason: '' }, /reason/],
    [{ ...ok, reason: undefined }, /reason/],
    [{ ...ok, category: 'flaky' }, /category/],
    [{ ...ok, suite: 'go-sdk' }, /suite/],
    [{ ...ok, tests: [] }, /tests/],
    [{ ...ok, because: 'x' }, /unknown keys because/],
    [{ ...ok, category: 'not-yet-built' }, /issue/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseEntry(raw, 3)).toThrow(ExpectedFileError);
    expect(() => parseEntry(raw, 3)).toThrow(message);
  });

  it('refuses a file without an entries list', () => {
    expect(() => parseExpectedFile('[]')).toThrow(ExpectedFileError);
  });
});

describe('matching', () => {
  const entries: ExpectedEntry[] = [
    { suite: 'python-sdk', file: 'tests/*/sandbox_*/test_network.py', category: 'not-yet-built', issue: '#11', reason: 'network rules' },
    { suite: 'python-sdk', file: 'tests/*/sandbox_*/test_network.py', tests: ['test_deny_*'], category: 'internet', reason: 'reaches the internet' },
  ];

  it('lets `*` span directories and matches nothing else loosely', () => {
    expect(globToRegExp('tests/*/test_x.py').test('tests/sync/sandbox_sync/test_x.py')).toBe(true);
    expect(globToRegExp('tests/a.test.ts').test('tests/aXtest.ts')).toBe(false);
  });

  it('prefers the entry naming the test over the whole-file entry', () => {
    expect(findExpectation(entries, 'python-sdk', 'tests/async/sandbox_async/test_network.py', 'test_deny_all')?.category).toBe('internet');
    expect(findExpectation(entries, 'python-sdk', 'tests/async/sandbox_async/test_network.py', 'test_mask')?.category).toBe('not-yet-built');
  });

  it('does not match another suite or file', () => {
    expect(findExpectation(entries, 'js-sdk', 'tests/async/sandbox_async/test_network.py', 'test_deny_all')).toBeUndefined();
    expect(findExpectation(entries, 'python-sdk', 'tests/sync/sandbox_sync/test_host.py', 'test_deny_all')).toBeUndefined();
  });

  it('flags an entry that excuses a feature being built', () => {
    const pty: ExpectedEntry = { suite: 'js-sdk', file: 'tests/sandbox/pty/*', category: 'not-yet-built', issue: '#10', reason: 'no terminals yet' };
    expect(entriesExcusingBuiltFeatures([...entries, pty])).toEqual([pty]);
  });
});
