import type { Result } from './result.js';

/** An error the executed code raised: its class name, message and traceback (one string). */
export class ExecutionError {
  constructor(
    /** The error's name, e.g. `NameError`, `TypeError`, `ExitCode` (bash). */
    readonly name: string,
    /** Its message. */
    readonly value: string,
    /** The traceback, lines joined with `\n`. */
    readonly traceback: string,
  ) {}
}

/** One chunk of stdout or stderr, as printed (a line with its `\n`, or a partial line). */
export interface OutputMessage {
  readonly line: string;
  /** When it was printed, in microseconds since the epoch. */
  readonly timestamp: number;
  /** True for stderr. */
  readonly error: boolean;
}

export interface Logs {
  stdout: string[];
  stderr: string[];
}

/** What one `runCode` produced. */
export class Execution {
  constructor(
    /** Results in order: displayed outputs and the main result (the last expression's value). */
    readonly results: Result[] = [],
    readonly logs: Logs = { stdout: [], stderr: [] },
    /** The error the code raised, if any. */
    public error?: ExecutionError,
    /** The kernel's execution counter after this execution. */
    public executionCount?: number,
  ) {}

  /** The text of the main result, if there is one. */
  get text(): string | undefined {
    return this.results.find((result) => result.isMainResult)?.text;
  }

  toJSON(): { results: Result[]; logs: Logs; error: ExecutionError | undefined } {
    return { results: this.results, logs: this.logs, error: this.error };
  }
}
