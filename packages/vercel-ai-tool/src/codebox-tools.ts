import type { Tool } from 'ai';
import { readFileTool, type ReadFileInput } from './read-file-tool.js';
import { runCodeTool, type RunCodeInput, type RunCodeToolOpts } from './run-code-tool.js';
import { runCommandTool, type RunCommandInput } from './run-command-tool.js';
import type { CodeboxToolOutput, FinishedOutput } from './tool-output.js';
import type { ToolSandbox } from './tool-sandbox.js';
import { writeFileTool, type WriteFileInput } from './write-file-tool.js';

/**
 * The tool set {@link codeboxTools} returns, by the names the model sees. A type alias, not an
 * interface: only aliases are assignable to the AI SDK's `ToolSet` index signature.
 */
export type CodeboxTools = {
  run_code: Tool<RunCodeInput, CodeboxToolOutput>;
  run_command: Tool<RunCommandInput, CodeboxToolOutput>;
  read_file: Tool<ReadFileInput, FinishedOutput>;
  write_file: Tool<WriteFileInput, FinishedOutput>;
};

/**
 * Every Codebox tool, sharing the sessions (one sandbox per session) and the options:
 * `run_code`, `run_command`, `read_file`, `write_file`. Spread it into `streamText({ tools })`,
 * or pick the ones you want.
 *
 * ```ts
 * await using sessions = new SandboxSessions({ template: 'code-interpreter-v1' });
 * const result = streamText({ model, tools: codeboxTools({ sessions }), stopWhen: stepCountIs(5), prompt });
 * ```
 */
export function codeboxTools<S extends ToolSandbox>(opts: RunCodeToolOpts<S>): CodeboxTools {
  return {
    run_code: runCodeTool(opts),
    run_command: runCommandTool(opts),
    read_file: readFileTool(opts),
    write_file: writeFileTool(opts),
  };
}
