/**
 * The JSON `npm run bench` writes (artifacts/bench/<timestamp>.json) and bench/report.ts turns into
 * docs/benchmarks.md. Bump SCHEMA when a field changes meaning.
 */
export const SCHEMA = 1;

export type Runtime = 'runc' | 'runsc';

/**
 * One series of measurements, summarised. `errors`: attempts that failed (not in the numbers);
 * the numbers are null when nothing succeeded.
 */
export interface SampleSummary {
  readonly name: string;
  readonly unit: 'ms' | 'MiB' | 'count';
  readonly n: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly errors: number;
  /** The first failure's message, when there were errors. */
  readonly firstError?: string;
}

/** What the measured sample is compared to: another sample of the same scenario, doing the same operation. */
export interface Baseline {
  /** The `name` of a sample in the scenario; absent when the baseline could not run (`absent` says why). */
  readonly sample?: string;
  /** Why the baseline is this operation. */
  readonly note: string;
  /** Set when the baseline did not run, e.g. "image absent". */
  readonly absent?: string;
}

/** A figure from elsewhere, shown beside ours, never computed with. */
export interface Quoted {
  readonly what: string;
  readonly value: string;
  readonly source: string;
}

/** A target from issue 12, checked on one number of the scenario. */
export interface Target {
  readonly description: string;
  /** The number checked, e.g. "p50 of Sandbox.create", "p50 ratio first ÷ steady". */
  readonly metric: string;
  readonly op: '<=' | '>=';
  readonly value: number;
  readonly unit: string;
  /** The measured number; undefined when it could not be measured (then pass is false). */
  readonly actual?: number;
  readonly pass: boolean;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly runtime: Runtime;
  /**
   * `unavailable`: the scenario cannot run in this build or on this machine; `failed`: it threw
   * part way. `reason` says why; its targets count as failed.
   */
  readonly status: 'measured' | 'unavailable' | 'failed';
  readonly reason?: string;
  /** What was done, in a sentence or two. */
  readonly method: string;
  readonly samples: readonly SampleSummary[];
  /** The `name` of the sample the baseline, ratio and target speak about. */
  readonly measured?: string;
  readonly baseline?: Baseline;
  /** p50 of `measured` ÷ p50 of the baseline sample. */
  readonly ratio?: number;
  readonly targets: readonly Target[];
  readonly quoted?: readonly Quoted[];
  /** Derived figures (e.g. sandboxes that fit in 24 GiB) and what bounds them. */
  readonly figures?: Readonly<Record<string, string | number>>;
}

export interface Machine {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly kernel: string;
  readonly os: string;
  readonly docker: string;
  readonly storageDriver: string;
  /** Runtimes measured, and the Docker runtimes registered (codebox-runsc means gVisor is there). */
  readonly runtimes: readonly Runtime[];
  readonly dockerRuntimes: readonly string[];
  readonly node: string;
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
}

export interface BenchReport {
  readonly schema: typeof SCHEMA;
  readonly date: string;
  readonly git: { readonly commit: string; readonly dirty: boolean };
  readonly machine: Machine;
  readonly quick: boolean;
  readonly seconds: number;
  readonly notes: readonly string[];
  readonly scenarios: readonly ScenarioResult[];
}
