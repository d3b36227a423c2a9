import type { Tool } from 'ai';
import type { AgentSandbox } from '@codebox/core-client';
import { codeboxTool, type CodeboxToolInput, type CodeboxToolSetOpts } from './codebox-tool.js';
import type { CodeboxToolOutput } from './tool-output.js';

/**
 * The tool set {@link codeboxTools} returns, by the names the model sees. A type alias, not an
 * interface: only aliases are assignable to the AI SDK's `ToolSet` index signature.
 */
export type CodeboxToolSet = {
  run_code: Tool<CodeboxToolInput<'run_code'>, CodeboxToolOutput>;
  run_command: Tool<CodeboxToolInput<'run_command'>, CodeboxToolOutput>;
  read_file: Tool<CodeboxToolInput<'read_file'>, CodeboxToolOutput>;
  write_file: Tool<CodeboxToolInput<'write_file'>, CodeboxToolOutput>;
};

/**
 * Every Codebox tool, sharing the sessions (one sandbox per session) and the options:
 * `run_code`, `run_command`, `read_file`, `write_file`. Spread it into `streamText({ tools })`,
 * or pick the ones you want.
 *
 * ```ts
 * await using sessions = new SandboxSessions({ template: 'code-interpreter-v1' });
 * const result = streamText({ model, tools: codeboxTools({ sessions, sessionId: chatId }), stopWhen: stepCountIs(5), prompt });
 * ```
 */
export function codeboxTools<S extends AgentSandbox>(opts: CodeboxToolSetOpts<S>): CodeboxToolSet {
  return {
    run_code: codeboxTool('run_code', opts),
    run_command: codeboxTool('run_command', opts),
    read_file: codeboxTool('read_file', opts),
    write_file: codeboxTool('write_file', opts),
  };
}
