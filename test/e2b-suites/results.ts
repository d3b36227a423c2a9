// Reads one pass of a suite (vitest's JSON reporter, or pytest_codebox.py's JSON) and the loopback
// guard's log into one shape, and merges the online and offline passes.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

export type Outcome = 'passed' | 'failed' | 'skipped';

export interface TestRun {
  /** Relative to the suite's directory, e.g. `tests/sandbox/files/remove.test.ts`. */
  file: string;
  /** JS: describe titles and the test title joined by " > "; Python: node id after the file's "::". */
  name: string;
  outcome: Outcome;
  /** First lines of the failure, or the skip reason. */
  message?: string;
}

export interface GuardEvent {
  kind: 'connect' | 'blocked';
  target: string;
  file: string;
  test: string;
}

const FILE_LEVEL = '(file)';

function firstLines(text: string | undefined, lines = 4): string | undefined {
  if (text === undefined || text === '') return undefined;
  return text.split('\n').slice(0, lines).join('\n').slice(0, 600);
}

interface VitestAssertion {
  ancestorTitles?: string[];
  title: string;
  status: string;
  failureMessages?: string[];
}
interface VitestFile {
  name: string;
  status?: string;
  message?: string;
  assertionResults?: VitestAssertion[];
}

export function parseVitestJson(text: string, root: string): TestRun[] {
  const data = JSON.parse(text) as { testResults?: VitestFile[] };
  const runs: TestRun[] = [];
  for (const file of data.testResults ?? []) {
    const path = relative(root, file.name);
    const assertions = file.assertionResults ?? [];
    for (const a of assertions) {
      const outcome: Outcome = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
      const run: TestRun = { file: path, name: [...(a.ancestorTitles ?? []), a.title].join(' > '), outcome };
      const message = firstLines(a.failureMessages?.join('\n'));
      if (message !== undefined && outcome === 'failed') run.message = message;
      runs.push(run);
    }
    // A file that failed before any test ran (import error, failing hook) counts as one failure.
    if (file.status === 'failed' && !assertions.some((a) => a.status === 'failed')) {
      runs.push({ file: path, name: FILE_LEVEL, outcome: 'failed', message: firstLines(file.message) ?? 'the file failed' });
    }
  }
  return runs;
}

interface PytestRecord {
  nodeid: string;
  outcome: string;
  message?: string;
}

export function parsePytestJson(text: string): TestRun[] {
  const data = JSON.parse(text) as { tests?: PytestRecord[] };
  return (data.tests ?? []).map((t) => {
    const cut = t.nodeid.indexOf('::');
    const file = cut === -1 ? t.nodeid : t.nodeid.slice(0, cut);
    const name = cut === -1 ? FILE_LEVEL : t.nodeid.slice(cut + 2);
    const outcome: Outcome = t.outcome === 'passed' ? 'passed' : t.outcome === 'skipped' ? 'skipped' : 'failed';
    const run: TestRun = { file, name, outcome };
    const message = firstLines(t.message);
    if (message !== undefined && outcome !== 'passed') run.message = message;
    return run;
  });
}

export function parseGuardLog(text: string): GuardEvent[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [kind = '', target = '', file = '?', test = ''] = line.split('\t');
      return { kind: kind === 'blocked' ? 'blocked' : 'connect', target, file, test };
    });
}

export function readPass(path: string, kind: 'vitest' | 'pytest', root: string): { runs: TestRun[]; guard: GuardEvent[] } | undefined {
  if (!existsSync(path)) return undefined;
  const runs = kind === 'vitest' ? parseVitestJson(readFileSync(path, 'utf8'), root) : parsePytestJson(readFileSync(path, 'utf8'));
  const guardPath = `${path}.guard.log`;
  const guard = existsSync(guardPath) ? parseGuardLog(readFileSync(guardPath, 'utf8')) : [];
  return { runs, guard };
}

/**
 * Files worth a second, offline run: some test failed online, and either no test of the file
 * connected to anything (the runner included) or the file mocks the network (`mocksNetwork`, e.g.
 * it imports msw, whose unhandled requests may pass through to the runner): E2B's unit tests that
 * the runner URL only disturbs.
 */
export function offlineCandidates(runs: readonly TestRun[], guard: readonly GuardEvent[], mocksNetwork: (file: string) => boolean = () => false): string[] {
  const connected = new Set(guard.filter((g) => g.kind === 'connect').map((g) => g.file));
  const failing = new Set(runs.filter((r) => r.outcome === 'failed').map((r) => r.file));
  return [...failing].filter((file) => !connected.has(file) || mocksNetwork(file)).sort();
}

/** Whether a JS test file imports msw (E2B's mocked-network unit tests). */
export function importsMsw(path: string): boolean {
  return existsSync(path) && /from ['"]msw(\/node)?['"]/.test(readFileSync(path, 'utf8'));
}

export type Mode = 'online' | 'offline';
export interface MergedRun extends TestRun {
  mode: Mode;
}

/** A test passes if it passed in either pass; otherwise the online result stands (it measured the runner). */
export function mergePasses(online: readonly TestRun[], offline: readonly TestRun[]): MergedRun[] {
  const key = (r: TestRun): string => `${r.file}\u0000${r.name}`;
  const offlineByKey = new Map(offline.map((r) => [key(r), r]));
  const merged: MergedRun[] = online.map((r) => {
    const off = offlineByKey.get(key(r));
    return off !== undefined && off.outcome === 'passed' && r.outcome !== 'passed' ? { ...off, mode: 'offline' } : { ...r, mode: 'online' };
  });
  const seen = new Set(online.map(key));
  for (const r of offline) if (!seen.has(key(r))) merged.push({ ...r, mode: 'offline' });
  return merged;
}
