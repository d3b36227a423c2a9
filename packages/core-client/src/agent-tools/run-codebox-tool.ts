import type { CodeLanguage } from '@codebox/protocol';
import type { AgentSandbox } from './agent-sandbox.js';
import { readFileForModel, writeFileForModel } from './file-for-model.js';
import { runCodeForModel } from './run-code-for-model.js';
import { runCommandForModel } from './run-command-for-model.js';
import type { CommandResultLike, ExecutionLike } from './shapeable-result.js';
import { toolLanguages, type CodeboxToolArgs, type CodeboxToolName, type ToolDefinitionOpts } from './tool-definitions.js';
import { outputBudget, type ForModelOpts, type ToolRun } from './tool-output.js';

/** The raw result of each tool, for UIs and logs (LangChain's artifact, OpenAI's outcome). */
export interface CodeboxToolResults {
  run_code: ExecutionLike;
  /** The command's result, or on a timeout its output so far ending in a `TimeoutError`. */
  run_command: CommandResultLike | ExecutionLike;
  /** The file's bytes; `undefined` when there was no file. */
  read_file: Uint8Array | undefined;
  write_file: { path: string };
}

/** The settings every framework package's tools take, with the same meaning. */
export interface CodeboxToolSettings extends ToolDefinitionOpts {
  /**
   * Time limit of one execution or command in milliseconds; on expiry it is stopped and the
   * model gets the output so far and a `TimeoutError`.
   * @default the sandbox's (60 s)
   */
  timeoutMs?: number;
  /**
   * Most characters of text a tool returns to the model (head and tail kept, the cut marked).
   * @default 4000
   */
  maxOutputChars?: number;
}

export interface RunCodeboxToolOpts extends ForModelOpts {
  /** Language of `run_code` calls that name none. */
  defaultLanguage: CodeLanguage;
}

/**
 * Carries out one validated tool call in a sandbox, by the one rule of each tool
 * ({@link runCodeForModel}, {@link runCommandForModel}, {@link readFileForModel},
 * {@link writeFileForModel}). The framework packages call this inside `sessions.withSession`.
 */
export async function runCodeboxTool<N extends CodeboxToolName>(
  sandbox: AgentSandbox,
  name: N,
  args: CodeboxToolArgs[N],
  opts: RunCodeboxToolOpts,
): Promise<ToolRun<CodeboxToolResults[N]>> {
  const run = await dispatch(sandbox, name, args as CodeboxToolArgs[CodeboxToolName], opts);
  return run as ToolRun<CodeboxToolResults[N]>;
}

async function dispatch(
  sandbox: AgentSandbox,
  name: CodeboxToolName,
  args: CodeboxToolArgs[CodeboxToolName],
  opts: RunCodeboxToolOpts,
): Promise<ToolRun<CodeboxToolResults[CodeboxToolName]>> {
  const { defaultLanguage, ...forModel } = opts;
  switch (name) {
    case 'run_code': {
      const { code, language } = args as CodeboxToolArgs['run_code'];
      return runCodeForModel(sandbox, code, language ?? defaultLanguage, forModel);
    }
    case 'run_command': {
      const { command, cwd } = args as CodeboxToolArgs['run_command'];
      return runCommandForModel(sandbox, command, cwd ?? undefined, forModel);
    }
    case 'read_file':
      return readFileForModel(sandbox, (args as CodeboxToolArgs['read_file']).path, forModel);
    case 'write_file': {
      const { path, content } = args as CodeboxToolArgs['write_file'];
      return writeFileForModel(sandbox, path, content, forModel);
    }
  }
}

/** What varies per call: the framework's abort signal and where streamed output goes. */
export type ToolCallOpts = Pick<ForModelOpts, 'signal' | 'onStdout' | 'onStderr'>;

/** Carries out validated tool calls with fixed settings: what each framework adapter calls inside `withSession`. */
export type CodeboxToolRunner = <N extends CodeboxToolName>(
  sandbox: AgentSandbox,
  name: N,
  args: CodeboxToolArgs[N],
  call?: ToolCallOpts,
) => Promise<ToolRun<CodeboxToolResults[N]>>;

/**
 * {@link runCodeboxTool} with the tools' settings applied: the default language (the first of
 * `languages`), the output budget and the time limit. The settings are checked now, when the
 * tools are made, so a bad option fails at once rather than at the first call.
 */
export function codeboxToolRunner(settings: CodeboxToolSettings = {}): CodeboxToolRunner {
  const [defaultLanguage] = toolLanguages(settings.languages);
  const maxOutputChars = outputBudget(settings.maxOutputChars);
  const timeout = settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs };
  return (sandbox, name, args, call = {}) => runCodeboxTool(sandbox, name, args, { ...call, ...timeout, defaultLanguage, maxOutputChars });
}
