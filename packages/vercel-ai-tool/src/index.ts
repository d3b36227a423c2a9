// The public surface of @codebox/vercel-ai-tool: AI SDK tools on Codebox sandboxes. Sessions,
// output shaping and the rest shared with the other framework packages live in @codebox/core-client.
export { codeboxTools, type CodeboxTools } from './codebox-tools.js';
export { runCodeTool, RUN_CODE_DESCRIPTION, type RunCodeInput, type RunCodeToolOpts } from './run-code-tool.js';
export { runCommandTool, RUN_COMMAND_DESCRIPTION, type RunCommandInput } from './run-command-tool.js';
export { readFileTool, READ_FILE_DESCRIPTION, type ReadFileInput } from './read-file-tool.js';
export { writeFileTool, WRITE_FILE_DESCRIPTION, type WriteFileInput } from './write-file-tool.js';
export { toModelOutput, type ModelOutput } from './model-output.js';
export { resolveSessionId, DEFAULT_SESSION_ID, type SessionIdOption, type ToolCallInfo } from './session-id.js';
export { DEFAULT_PROGRESS_INTERVAL_MS, type CodeboxToolOpts } from './tool-options.js';
export type { CodeboxToolOutput, RunningOutput, FinishedOutput, ToolImage } from './tool-output.js';
export type { ToolSandbox, ToolCommandHandle } from './tool-sandbox.js';
// The sessions the tools need, re-exported so a quick start imports from one place.
export { SandboxSessions, type SandboxSessionsOpts } from '@codebox/core-client';
