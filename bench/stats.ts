/** Timing helpers shared by the benchmarks: percentiles, series and their summaries. */
import type { SampleSummary } from './report-schema.ts';

/** Nearest-rank percentile (the smallest value with at least p % of the values at or below it). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Every number a report keeps of a series (to the microsecond); null throughout for an empty one (every attempt failed). */
export function summarize(
  name: string,
  values: readonly number[],
  options: { errors?: number; unit?: SampleSummary['unit']; firstError?: string | undefined } = {},
): SampleSummary {
  const round = (x: number): number | null => (values.length > 0 && Number.isFinite(x) ? Math.round(x * 1000) / 1000 : null);
  return {
    name,
    unit: options.unit ?? 'ms',
    n: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    min: round(Math.min(...values)),
    max: round(Math.max(...values)),
    mean: round(values.reduce((a, b) => a + b, 0) / values.length),
    errors: options.errors ?? 0,
    ...(options.errors && options.firstError ? { firstError: options.firstError.split('\n')[0]!.slice(0, 200) } : {}),
  };
}

/** Times `once` `runs` times, counting a throw as an error instead of a number. */
export async function timeEach(runs: number, once: (i: number) => Promise<unknown>): Promise<{ ms: number[]; errors: number; firstError?: string }> {
  const ms: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    try {
      await once(i);
      ms.push(performance.now() - start);
    } catch (error) {
      errors++;
      firstError ??= errorText(error);
    }
  }
  return { ms, errors, ...(firstError === undefined ? {} : { firstError }) };
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A `timeEach` answer, summarised. */
export function summarizeTimed(name: string, timed: { ms: number[]; errors: number; firstError?: string }): SampleSummary {
  return summarize(name, timed.ms, { errors: timed.errors, firstError: timed.firstError });
}

/** A measured call: one `once` is one timed run; a throw counts as an error. */
export interface TimedPoint {
  readonly name: string;
  readonly once: () => Promise<unknown>;
}

/**
 * Each point timed `runs` times in interleaved rounds (after as many untimed calls), so that a slow
 * spell of the machine lands on every point alike; summaries in the points' order.
 */
export async function interleaved(points: readonly TimedPoint[], runs: number, rounds = 4): Promise<SampleSummary[]> {
  const times = points.map(() => [] as number[]);
  const errors = points.map(() => ({ count: 0, first: undefined as string | undefined }));
  // Untimed first, as many calls as are timed: connections open and the runner's, the agent's and
  // the clients' code compiled by V8's optimising tiers (20 calls left p50s ~50 % higher).
  for (const point of points) for (let i = 0; i < Math.max(20, runs); i++) await point.once();
  for (let round = 0; round < rounds; round++) {
    for (const [index, point] of points.entries()) {
      for (let i = 0; i < Math.ceil(runs / rounds); i++) {
        const began = performance.now();
        try {
          await point.once();
          times[index]!.push(performance.now() - began);
        } catch (error) {
          errors[index]!.count++;
          errors[index]!.first ??= errorText(error);
        }
      }
    }
  }
  return points.map((point, index) => summarize(point.name, times[index]!, { errors: errors[index]!.count, firstError: errors[index]!.first }));
}
