import { randomUUID } from 'node:crypto';
import type { CodeLanguage } from '@codebox/protocol';
import type { AgentSandbox } from './agent-sandbox.js';
import { runCodeForModel } from './run-code-for-model.js';
import { runCommandForModel } from './run-command-for-model.js';
import type { ShapeableResult } from './shapeable-result.js';

/** Runs one block of code somewhere and returns what it produced. */
export type CodeExecutor = (code: string, language: CodeLanguage) => Promise<ShapeableResult>;

/** What the commands-based executor needs of a sandbox (`Sandbox` has it). */
export type CommandsSandbox = Pick<AgentSandbox, 'commands'> & { files: { write(path: string, data: string): Promise<unknown> } };

/** A sandbox with a code interpreter (`runCode`, as `@e2b/code-interpreter` has it). */
export type RunCodeSandbox = Pick<AgentSandbox, 'runCode'>;

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
 * between blocks but files. Exits and time limits follow the agent tools' rule
 * ({@link runCommandForModel}): a non-zero exit or a timeout is a result the model sees.
 */
export function commandsExecutor(sandbox: CommandsSandbox, opts: ExecutorOpts = {}): CodeExecutor {
  return async (code, language) => {
    const program = PROGRAMS[language];
    const file = `/tmp/codebox-run-${randomUUID()}.${program.suffix}`;
    await sandbox.files.write(file, code);
    const cmd = `${program.command(file)}; status=$?; rm -f ${file}; exit $status`;
    return (await runCommandForModel(sandbox, cmd, undefined, opts)).result;
  };
}

/**
 * Runs each block in the sandbox's stateful kernels (`runCode`): variables live on between
 * blocks. Time limits follow the agent tools' rule ({@link runCodeForModel}).
 */
export function runCodeExecutor(sandbox: RunCodeSandbox, opts: ExecutorOpts = {}): CodeExecutor {
  return async (code, language) => (await runCodeForModel(sandbox, code, language, opts)).result;
}

/** `runCode` when the sandbox has it, else programs through `commands.run`. */
export function defaultExecutor(sandbox: CommandsSandbox | RunCodeSandbox | (CommandsSandbox & RunCodeSandbox), opts: ExecutorOpts = {}): CodeExecutor {
  if ('runCode' in sandbox && typeof sandbox.runCode === 'function') return runCodeExecutor(sandbox, opts);
  return commandsExecutor(sandbox as CommandsSandbox, opts);
}
