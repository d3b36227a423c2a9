/** What every scenario gets, and how it states its result (bench/report-schema.ts). */
import type Docker from 'dockerode';
import type { RunnerHandle } from '../test/support/runner.ts';
import type { Baseline, Quoted, Runtime, SampleSummary, ScenarioResult, Target } from './report-schema.ts';

export interface ScenarioContext {
  readonly runtime: Runtime;
  /** BENCH_QUICK=1: a smoke run, fewer repetitions everywhere. */
  readonly quick: boolean;
  /** A runner started for this runtime; the official SDKs' environment points at it. */
  readonly runner: RunnerHandle;
  readonly opts: { readonly apiKey: string; readonly apiUrl: string };
  readonly docker: Docker;
  /** A progress line on stderr. */
  progress(message: string): void;
  /** `full` repetitions, or `quick` in a smoke run. */
  runs(full: number, quick: number): number;
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  run(context: ScenarioContext): Promise<ScenarioResult[]>;
}

export interface TargetSpec extends Omit<Target, 'pass' | 'actual'> {
  readonly actual: number | null | undefined;
}

export function checkTarget(spec: TargetSpec): Target {
  const { actual, ...rest } = spec;
  if (typeof actual !== 'number' || !Number.isFinite(actual)) return { ...rest, pass: false };
  const pass = spec.op === '<=' ? actual <= spec.value : actual >= spec.value;
  return { ...rest, actual: Math.round(actual * 1000) / 1000, pass };
}

export interface ResultInput {
  readonly id: string;
  readonly title: string;
  readonly runtime: Runtime;
  readonly method: string;
  readonly samples: readonly SampleSummary[];
  readonly measured?: string;
  readonly baseline?: Baseline;
  readonly targets?: readonly TargetSpec[];
  readonly quoted?: readonly Quoted[];
  readonly figures?: Readonly<Record<string, string | number>>;
}

/** A measured scenario: the ratio to its baseline worked out, targets checked. */
export function measuredResult(input: ResultInput): ScenarioResult {
  const measured = input.samples.find((s) => s.name === input.measured);
  const base = input.baseline?.sample === undefined ? undefined : input.samples.find((s) => s.name === input.baseline?.sample);
  const ratio = measured?.p50 != null && base?.p50 ? Math.round((measured.p50 / base.p50) * 1000) / 1000 : undefined;
  return {
    id: input.id,
    title: input.title,
    runtime: input.runtime,
    status: 'measured',
    method: input.method,
    samples: input.samples,
    ...(input.measured === undefined ? {} : { measured: input.measured }),
    ...(input.baseline === undefined ? {} : { baseline: input.baseline }),
    ...(ratio === undefined || !Number.isFinite(ratio) ? {} : { ratio }),
    targets: (input.targets ?? []).map(checkTarget),
    ...(input.quoted === undefined ? {} : { quoted: input.quoted }),
    ...(input.figures === undefined ? {} : { figures: input.figures }),
  };
}

/** A scenario that could not run here: said so in the report, its targets failed, never left out. */
export function unavailableResult(
  input: Pick<ResultInput, 'id' | 'title' | 'runtime' | 'method' | 'quoted'> & {
    readonly reason: string;
    readonly targets?: readonly Omit<TargetSpec, 'actual'>[];
    readonly status?: 'unavailable' | 'failed';
  },
): ScenarioResult {
  return {
    id: input.id,
    title: input.title,
    runtime: input.runtime,
    status: input.status ?? 'unavailable',
    reason: input.reason,
    method: input.method,
    samples: [],
    targets: (input.targets ?? []).map((t) => checkTarget({ ...t, actual: undefined })),
    ...(input.quoted === undefined ? {} : { quoted: input.quoted }),
  };
}
