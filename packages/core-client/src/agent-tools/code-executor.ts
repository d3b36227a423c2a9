import { randomUUID } from 'node:crypto';
import type { CodeLanguage } from './code-language.js';
import type { CommandResultLike, ExecutionLike, ShapeableResult } from './shapeable-result.js';

/** Runs one block of code somewhere and returns what it produced. */
export type CodeExecutor = (code: string, language: CodeLanguage) => Promise<ShapeableResult>;

/** What the commands-based executor needs of a sandbox (`Sandbox` has it). */
export interface CommandsSandbox {
  commands: { run(cmd: string, opts?: { timeoutMs?: number }): Promise<CommandResultLike> };
  files: { write(path: string, data: string): Promise<unknown> };
}

/** A sandbox with a code interpreter (`runCode`, as `@e2b/code-interpreter` has it). */
export interface RunCodeSandbox {
  runCode(code: string, opts?: { language?: string; timeoutMs?: number }): Promise<ExecutionLike>;
}

export interface ExecutorOpts {
  /** Time limit of one execution; the sandbox's default (60 s) when absent. */
  timeoutMs?: number;
}

/**
 * How each language runs as a plain program: file suffix and command. JavaScript and
 * TypeScript use `node` when the template has one, else the Node runtime every Codebox template
 * carries for its agent; TypeScript by Node's own type stripping.
 */
const PROGRAMS: Record<CodeLanguage, { suffix: string; command: (file: string) => string }> = {
  python: { suffix: 'py', command: (f) => `python3 ${f}` },
  bash: { suffix: 'sh', command: (f) => `bash ${f}` },
  javascript: { suffix: 'mjs', command: (f) => `"$(command -v node || echo /opt/codebox/bin/node)" ${f}` },
  typescript: {
    suffix: 'mts',
    command: (f) => `"$(command -v node || echo /opt/codebox/bin/node)" --no-warnings --experimental-strip-types ${f}`,
  },
  r: { suffix: 'R', command: (f) => `Rscript ${f}` },
  java: { suffix: 'java', command: (f) => `java ${f}` },
};

/**
 * Runs each block as a fresh program: the code is written to a file in `/tmp` and started with
 * `commands.run`, so it works on any template, without a code interpreter. Nothing is kept
 * between blocks but files. A non-zero exit is a result (the model should see it), not an error.
 */
export function commandsExecutor(sandbox: CommandsSandbox, opts: ExecutorOpts = {}): CodeExecutor {
  return async (code, language) => {
    const program = PROGRAMS[language];
    const file = `/tmp/codebox-run-${randomUUID()}.${program.suffix}`;
    await sandbox.files.write(file, code);
    const cmd = `${program.command(file)}; status=$?; rm -f ${file}; exit $status`;
    try {
      return await sandbox.commands.run(cmd, opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs });
    } catch (err) {
      // `commands.run` throws CommandExitError for a non-zero exit; it carries the whole result.
      if (err instanceof Error && err.name === 'CommandExitError') return err as Error & CommandResultLike;
      throw err;
    }
  };
}

/** Runs each block in the sandbox's stateful kernels (`runCode`): variables live on between blocks. */
export function runCodeExecutor(sandbox: RunCodeSandbox, opts: ExecutorOpts = {}): CodeExecutor {
  return (code, language) => sandbox.runCode(code, opts.timeoutMs === undefined ? { language } : { language, timeoutMs: opts.timeoutMs });
}

/** `runCode` when the sandbox has it, else programs through `commands.run`. */
export function defaultExecutor(sandbox: CommandsSandbox | RunCodeSandbox | (CommandsSandbox & RunCodeSandbox), opts: ExecutorOpts = {}): CodeExecutor {
  if ('runCode' in sandbox && typeof sandbox.runCode === 'function') return runCodeExecutor(sandbox, opts);
  return commandsExecutor(sandbox as CommandsSandbox, opts);
}
