/**
 * The smallest shapes output shaping reads, so it takes the client's `Execution` and
 * `CommandResult`, `@e2b/code-interpreter`'s classes, or plain objects with the same fields.
 */

/** One result of an execution; `png`/`jpeg` are base64. */
export interface ResultLike {
  text?: string | undefined;
  html?: string | undefined;
  markdown?: string | undefined;
  svg?: string | undefined;
  png?: string | undefined;
  jpeg?: string | undefined;
  pdf?: string | undefined;
  latex?: string | undefined;
  json?: unknown;
  javascript?: string | undefined;
  data?: unknown;
  chart?: unknown;
  isMainResult?: boolean;
}

/** What `runCode` returns (`Execution`), structurally. */
export interface ExecutionLike {
  logs: { stdout: readonly string[]; stderr: readonly string[] };
  results?: readonly ResultLike[];
  error?: { name: string; value: string; traceback: string } | undefined;
}

/** What `commands.run` returns (`CommandResult`, also `CommandExitError`), structurally. */
export interface CommandResultLike {
  stdout: string;
  stderr: string;
  exitCode: number;
  error?: string | undefined;
}

export type ShapeableResult = ExecutionLike | CommandResultLike;

export function isExecutionLike(result: ShapeableResult): result is ExecutionLike {
  return 'logs' in result && typeof result.logs === 'object' && result.logs !== null;
}
