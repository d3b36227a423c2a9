/** What a finished command produced. */
export interface CommandResult {
  /** Exit code; `0` when the command succeeded. */
  exitCode: number;
  /** Error message from the sandbox when the command failed to run or was killed. */
  error?: string;
  /** Everything the command wrote to stdout. */
  stdout: string;
  /** Everything the command wrote to stderr. */
  stderr: string;
}
