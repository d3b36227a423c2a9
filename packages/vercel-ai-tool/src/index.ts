// The public surface of @codebox/vercel-ai-tool: AI SDK tools on Codebox sandboxes. The tools'
// behaviour, names, descriptions and schemas are core-client's (agent-tools), shared with the
// LangChain and OpenAI packages; this package adapts them to the AI SDK (streaming progress,
// image parts).
export { codeboxTools, type CodeboxToolSet } from './codebox-tools.js';
export { codeboxTool, DEFAULT_PROGRESS_INTERVAL_MS, type CodeboxToolSetOpts, type CodeboxToolInput } from './codebox-tool.js';
export { toModelOutput, type ModelOutput } from './model-output.js';
export { sessionIdOf, type SessionIdOption, type ToolCallInfo } from './session-id.js';
export type { CodeboxToolOutput, RunningOutput, FinishedOutput, ToolImage } from './tool-output.js';
// What a quick start needs, re-exported so it imports from one place.
export {
  SandboxSessions,
  MissingSessionIdError,
  type SandboxSessionsOpts,
  type AgentSandbox,
} from '@codebox/core-client';
