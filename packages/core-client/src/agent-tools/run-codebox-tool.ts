import type { CodeLanguage } from '@codebox/protocol';
import type { AgentSandbox } from './agent-sandbox.js';
import { readFileForModel, writeFileForModel } from './file-for-model.js';
import { runCodeForModel } from './run-code-for-model.js';
import { runCommandForModel } from './run-command-for-model.js';
import type { CommandResultLike, ExecutionLike } from './shapeable-result.js';
import type { CodeboxToolArgs, CodeboxToolName, ToolDefinitionOpts } from './tool-definitions.js';
import type { ForModelOpts, ToolRun } from './tool-output.js';

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
