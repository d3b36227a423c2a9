// The public surface of @codebox/langchain-tool: LangChain tools that run code, commands and
// file operations in Codebox sandboxes, one sandbox per conversation.
export { createCodeboxTools, type CodeboxTools, type CreateCodeboxToolsOpts, type CodeboxToolsSettings } from './create-codebox-tools.js';
export { createRunCodeTool, RUN_CODE_TOOL_NAME, type RunCodeToolOpts } from './run-code-tool.js';
export { createRunCommandTool, RUN_COMMAND_TOOL_NAME, type RunCommandToolOpts } from './run-command-tool.js';
export { createWriteFileTool, WRITE_FILE_TOOL_NAME } from './write-file-tool.js';
export { createReadFileTool, READ_FILE_TOOL_NAME } from './read-file-tool.js';
export type { CodeboxToolOpts } from './tool-opts.js';
export { threadIdOf, type SessionIdOption } from './session-id.js';
export type { ToolRuntimeLike } from './tool-runtime.js';
export { CODEBOX_OUTPUT_EVENT, type CodeboxOutputEvent } from './output-events.js';
export type { ToolContent } from './tool-content.js';
export { MissingSessionIdError } from './errors.js';
