// The public surface of @codebox/openai-functions: Codebox's sandbox as OpenAI function
// calling — the four tools (run_code, run_command, read_file, write_file) as strict
// definitions for both APIs, dispatchers that answer a model's calls, and a loop. The tools'
// behaviour, names, descriptions and schemas are core-client's (agent-tools), shared with the
// LangChain and AI SDK packages.
export { chatTools, responsesTools, codeboxFunctions, type CodeboxFunction, type CodeboxFunctionsOpts } from './function-definitions.js';
export { toStrictJsonSchema, type JsonSchema } from './strict-json-schema.js';
export { dispatchChatToolCalls, type ChatToolReply } from './dispatch-chat.js';
export { dispatchResponsesFunctionCalls } from './dispatch-responses.js';
export { executeFunctionCalls, type DispatchOpts, type FunctionCall, type FunctionCallOutcome } from './execute-function-calls.js';
export { runToolLoop, type RunToolLoopOpts, type RunToolLoopResult } from './run-tool-loop.js';
export { readChatStream, type StreamedTurn } from './read-chat-stream.js';
export { NonStrictSchemaError, EmptyCompletionError } from './errors.js';
export {
  MissingSessionIdError,
  UnsupportedLanguageError,
  RUN_CODE_TOOL_NAME,
  RUN_COMMAND_TOOL_NAME,
  READ_FILE_TOOL_NAME,
  WRITE_FILE_TOOL_NAME,
} from '@codebox/core-client';
