// The public surface of @codebox/langchain-tool: LangChain tools that run code, commands and
// file operations in Codebox sandboxes, one sandbox per conversation. The tools' behaviour,
// names, descriptions and schemas are core-client's (agent-tools), shared with the AI SDK and
// OpenAI packages; this package adapts them to LangChain.
export {
  createCodeboxTools,
  createRunCodeTool,
  createRunCommandTool,
  createReadFileTool,
  createWriteFileTool,
  type CodeboxToolkit,
  type CodeboxToolkitOpts,
  type CodeboxToolkitSettings,
} from './create-codebox-tools.js';
export { createCodeboxTool, type CodeboxToolOpts } from './codebox-tool.js';
export { threadIdOf, type SessionIdOption } from './session-id.js';
export type { ToolRuntimeLike } from './tool-runtime.js';
export { CODEBOX_OUTPUT_EVENT, type CodeboxOutputEvent } from './output-events.js';
export type { ToolContent } from './tool-content.js';
export {
  MissingSessionIdError,
  RUN_CODE_TOOL_NAME,
  RUN_COMMAND_TOOL_NAME,
  READ_FILE_TOOL_NAME,
  WRITE_FILE_TOOL_NAME,
} from '@codebox/core-client';
