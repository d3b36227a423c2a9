import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { E2B_IMAGE_FIGURE } from './e2b-interpreter-server.ts';
import type { BenchReport } from './report-schema.ts';
import { README_BEGIN, README_END, renderDoc, renderReadme, sourceOf, splice, summaryLines } from './report.ts';

const ROOT = join(import.meta.dirname, '..');
const fixture = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/report.json'), 'utf8')) as BenchReport;

describe('bench/report.ts on a fixture report', () => {
  const doc = renderDoc(fixture, 'bench/fixtures/report.json');

  it('names its source in the first line, so the page can be checked against it', () => {
    expect(sourceOf(doc)).toBe('bench/fixtures/report.json');
    expect(sourceOf('# hand-written')).toBeUndefined();
  });

  it('shows the machine, the run and its notes', () => {
    expect(doc).toContain('| Test CPU @ 2.0GHz | 2 | 23.4 GiB | 6.1.0-test | Debian GNU/Linux 13 (trixie) | 20.10.24 | overlay2 | runc | v22.23.3 |');
    expect(doc).toContain('(**quick run**: fewer repetitions) at commit `0123456789ab`');
    expect(doc).toContain('> a note');
  });

  it('has a summary row per scenario and runtime with the baseline, the ratio and the verdict', () => {
    expect(doc).toContain('| [Cold create](#cold-create-runc) | runc | 500 ms | 600 | 600 | 0 | 250 ms | 2.00 | FAIL |');
    expect(doc).toContain('| [Warm create (pool)](#warm-create-runc) | runc | not available: no warm pool in this build | | | | | | FAIL |');
    expect(doc).toContain('| runc | 1.23 ms | 2.50 | 3.00 | 1 | image absent (e2b-code-interpreter:local) | — | PASS |');
    expect(doc).toContain('| [runCode round trip (Python)](#run-code-python-runsc) | runsc | failed: Error: boom | | | | | | — |');
    expect(doc).toContain('1 of 3 targets pass.');
  });

  it('lists every sample, marks the baseline, escapes table cells, and says what is quoted from where', () => {
    expect(doc).toContain('| docker \\| start — baseline | ms | 3 | 250 | 260 | 260 | 240 | 260 | 250 | 0 |');
    expect(doc).toContain('- FAIL cold create p50 ≤ 450 ms (p50 of create: 500 ms; wanted <= 450 ms)');
    expect(doc).toContain('- FAIL warm Sandbox.create p50 ≤ 30 ms (p50 of warm create: not measured; wanted <= 30 ms)');
    expect(doc).toContain('- Quoted, not measured here: E2B cloud start: ~150 ms (source: issue 12)');
    expect(doc).toContain('**Not available**: not available: no warm pool in this build');
    expect(doc).toContain('- achieved rate (executions/s): 19.9');
    expect(doc).toContain("- First error of official: `Error: boom 'x'`");
  });

  it("says how to build E2B's server image, offline first, and what the measured one was built from", () => {
    expect(doc).toContain('node bench/e2b-server-image/build.ts --from /tmp/code-interpreter');
    expect(doc).toContain("### Alternative: E2B's own recipe (needs PyPI)");
    expect(doc).toContain('docker build -t e2b-code-interpreter:local .');
    expect(doc.indexOf('build.ts --from')).toBeLessThan(doc.indexOf('docker build -t'));
    expect(doc).toContain('The image measured in this run carries no version label');
    const built = 'built from Debian 13 packages: fastapi 0.115.11 (E2B pins 0.111.0)';
    const withImage: BenchReport = {
      ...fixture,
      scenarios: fixture.scenarios.map((r, i) => (i === 0 ? { ...r, figures: { ...r.figures, [E2B_IMAGE_FIGURE]: built } } : r)),
    };
    expect(renderDoc(withImage, 'x.json')).toContain(`The image measured in this run: ${built}.`);
  });

  it('prints the same verdicts at the end of a run', () => {
    const lines = summaryLines(fixture);
    expect(lines).toContain('      PASS runCode p50 ≤ 1.5 ms (p50 of official: 1.23 ms; wanted <= 1.5 ms)');
    expect(lines.some((l) => l.includes('UNAVAILABLE: not available: no warm pool'))).toBe(true);
    expect(lines.at(-1)).toBe('1 of 3 targets pass');
  });

  it("makes the README's table of the runc rows and splices it between the markers", () => {
    const table = renderReadme(fixture);
    expect(table).toContain('| Cold create | 500 ms | 250 ms | FAIL |');
    expect(table).not.toContain('runsc');
    expect(table).toContain('| Warm create (pool) | not available: no warm pool in this build | — | FAIL |');
    expect(table).toContain('| runCode round trip (Python) | 1.23 ms | image absent | PASS |');
    expect(splice(`a\n${README_BEGIN}\nold\n${README_END}\nb\n`, 'new')).toBe(`a\n${README_BEGIN}\n\nnew\n\n${README_END}\nb\n`);
    expect(() => splice('no markers', 'new')).toThrow(/GENERATED/);
  });
});

describe('docs/benchmarks.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8');
  const source = sourceOf(doc);

  it('is exactly what bench/report.ts makes of the JSON it names (never edited by hand)', () => {
    expect(source).toBeDefined();
    const report = JSON.parse(readFileSync(join(ROOT, source ?? ''), 'utf8')) as BenchReport;
    expect(doc).toBe(renderDoc(report, source ?? ''));
  });

  it("and the README's benchmark table is what the same JSON gives", () => {
    const report = JSON.parse(readFileSync(join(ROOT, source ?? ''), 'utf8')) as BenchReport;
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(splice(readme, renderReadme(report))).toBe(readme);
  });
});
