// The public surface of @codebox/core-client: the names `e2b` exports for `Sandbox`, so E2B
// code ports by changing the import.
export { Sandbox, type SandboxOpts, type SandboxConnectOpts, type SandboxNetworkOpts, type SandboxNetworkUpdate, type SandboxEgressOpts } from './sandbox/sandbox.js';
export { Sandbox as default } from './sandbox/sandbox.js';
export type { SandboxInfo, SandboxState } from './sandbox/sandbox-info.js';
export type { SandboxApiOpts } from './sandbox/sandbox-api.js';
export { SandboxPaginator, type SandboxListOpts } from './sandbox/sandbox-paginator.js';
export { fileUrlSignature as getFileUrlSignature, type SandboxUrlOpts } from './sandbox/file-urls.js';
export { ConnectionConfig, type ConnectionOpts } from './connection-config.js';
export { Volume } from './volume/volume.js';
export { Secret, SecretPaginator, type SecretInfo, type SecretApiOpts, type SecretWriteOpts, type SecretListOpts } from './secret/secret.js';
export {
  VolumeFileType,
  type VolumeAndToken,
  type VolumeApiOpts,
  type VolumeConnectionOpts,
  type VolumeEntryStat,
  type VolumeInfo,
  type VolumeMetadataOpts,
  type VolumeWriteOpts,
} from './volume/volume-types.js';

export type { Commands, CommandStartOpts, CommandConnectOpts, CommandRequestOpts } from './commands/commands.js';
export type { CommandHandle, PtyOutputCallback } from './commands/command-handle.js';
export type { Pty, PtyCreateOpts, PtyConnectOpts, PtySize } from './commands/pty.js';
export type { CommandResult } from './commands/command-result.js';
export type { ProcessInfo } from './commands/process-info.js';

export type {
  Filesystem,
  FilesystemRequestOpts,
  FilesystemReadOpts,
  FilesystemWriteOpts,
  FilesystemListOpts,
  WatchOpts,
} from './filesystem/filesystem.js';
export { FileType, type EntryInfo, type WriteInfo } from './filesystem/entry-info.js';
export type { WriteEntry, WriteData } from './filesystem/upload-body.js';
export { FilesystemEventType, type FilesystemEvent, type WatchHandle } from './filesystem/watch-handle.js';

export {
  type Context,
  type CreateCodeContextOpts,
  type RunCodeOpts,
  type RunCodeLanguage,
  DEFAULT_RUN_CODE_TIMEOUT_MS,
} from './code-interpreter/code-interpreter.js';
export type { ExecutionCallbacks } from './code-interpreter/execute-line.js';
export { Execution, ExecutionError, type Logs, type OutputMessage } from './code-interpreter/execution.js';
export { Result, type MIMEType, type ChartData, type RawResult } from './code-interpreter/result.js';
export {
  ChartType,
  ScaleType,
  type Chart,
  type Chart2D,
  type PointData,
  type PointChart,
  type LineChart,
  type ScatterChart,
  type BarData,
  type BarChart,
  type PieData,
  type PieChart,
  type BoxAndWhiskerData,
  type BoxAndWhiskerChart,
  type SuperChart,
  type ChartTypes,
} from './code-interpreter/charts.js';
export {
  KernelError,
  KernelDiedError,
  KernelOutOfMemoryError,
  KernelStartError,
  KernelCrashLoopError,
  KernelEvictedError,
  CodeContextLimitError,
} from './code-interpreter/kernel-errors.js';

export {
  SandboxError,
  TimeoutError,
  InvalidArgumentError,
  NotEnoughSpaceError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  TemplateError,
  RateLimitError,
  AuthenticationError,
  CommandExitError,
  VolumeError,
  VolumeNotFoundError,
  VolumePathNotFoundError,
  SecretError,
  SecretNotFoundError,
} from './errors.js';

// Agent tools: what the LangChain, AI SDK and OpenAI packages share (Codebox extensions).
export {
  SandboxSessions,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_SESSIONS,
  type SandboxSessionsOpts,
  type SessionSandbox,
  type SandboxFactory,
} from './agent-tools/sandbox-sessions.js';
export { SessionLimitError, SessionsClosedError, MissingSessionIdError, UnsupportedLanguageError } from './agent-tools/errors.js';
export { shapeOutput, DEFAULT_OUTPUT_MAX_CHARS, type ShapeOutputOpts, type ShapedOutput } from './agent-tools/shape-output.js';
export type { ShapeableResult, ExecutionLike, CommandResultLike, ResultLike } from './agent-tools/shapeable-result.js';
export { describeImage, type ImagePart } from './agent-tools/image-info.js';
export { truncateMiddle } from './agent-tools/truncate-middle.js';
export { CappedText } from './agent-tools/capped-text.js';
export { extractCode, DEFAULT_CODE_LANGUAGE, type CodeBlock } from './agent-tools/extract-code.js';
export {
  commandsExecutor,
  runCodeExecutor,
  defaultExecutor,
  type CodeExecutor,
  type CommandsSandbox,
  type RunCodeSandbox,
  type ExecutorOpts,
} from './agent-tools/code-executor.js';
export {
  runCodeLoop,
  DEFAULT_MAX_STEPS,
  type RunCodeLoopOpts,
  type RunCodeLoopResult,
  type LoopMessage,
  type LoopModel,
  type LoopStep,
  type LoopExecution,
} from './agent-tools/run-code-loop.js';
export { formatBytes } from './agent-tools/image-info.js';
// The one language list (protocol's), and what a label a person or model writes means.
export { CODE_LANGUAGES, languageOfLabel, type CodeLanguage } from '@codebox/protocol';
export type { AgentSandbox, AgentCommandHandle } from './agent-tools/agent-sandbox.js';
export { resolveSessionId, type SessionIdOption } from './agent-tools/session-id.js';
export {
  RUN_CODE_TOOL_NAME,
  RUN_COMMAND_TOOL_NAME,
  READ_FILE_TOOL_NAME,
  WRITE_FILE_TOOL_NAME,
  CODEBOX_TOOL_NAMES,
  toolLanguages,
  toolDescriptions,
  toolSchemas,
  strictToolSchemas,
  type CodeboxToolName,
  type CodeboxToolArgs,
  type ToolDefinitionOpts,
} from './agent-tools/tool-definitions.js';
export { outputBudget, toolOutput, type ToolOutput, type ToolRun, type ForModelOpts } from './agent-tools/tool-output.js';
export { runCodeForModel } from './agent-tools/run-code-for-model.js';
export { runCommandForModel } from './agent-tools/run-command-for-model.js';
export { readFileForModel, writeFileForModel, fileOutput, classifyFile, type FileKind, type FileForModelOpts } from './agent-tools/file-for-model.js';
export {
  runCodeboxTool,
  codeboxToolRunner,
  type CodeboxToolRunner,
  type ToolCallOpts,
  type CodeboxToolResults,
  type RunCodeboxToolOpts,
  type CodeboxToolSettings,
} from './agent-tools/run-codebox-tool.js';
// The template whose sandboxes have the code interpreter (`runCode`), as E2B's Code Interpreter SDK defaults to.
export { CODE_INTERPRETER_TEMPLATE } from '@codebox/protocol';
