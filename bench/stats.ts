/** Timing helpers shared by the benchmarks: percentiles and a printed comparison table. */

export interface Sample {
  readonly name: string;
  readonly ms: number[];
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export async function timeRuns(name: string, runs: number, once: () => Promise<unknown>): Promise<Sample> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await once();
    ms.push(performance.now() - start);
  }
  return { name, ms };
}

/** Prints medians and p95 of each sample, and the ratio of its median to the baseline's. */
export function printTable(title: string, baseline: Sample, samples: readonly Sample[]): void {
  const base = percentile(baseline.ms, 50);
  const rows = [baseline, ...samples].map((s) => {
    const p50 = percentile(s.ms, 50);
    return [s.name, String(s.ms.length), p50.toFixed(1), percentile(s.ms, 95).toFixed(1), (p50 / base).toFixed(2)];
  });
  const header = ['operation', 'runs', 'p50 ms', 'p95 ms', 'x baseline'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${title}\n`);
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const row of rows) console.log(line(row));
}
