// The public surface of @codebox/openai-functions: Codebox's code sandbox as OpenAI function
// calling — definitions for both APIs, dispatchers that answer a model's calls, and a loop.
export { chatTools, responsesTools } from './function-definitions.js';
export {
  runCodeFunction,
  RUN_CODE_FUNCTION_NAME,
  type RunCodeFunction,
  type RunCodeFunctionOpts,
  type RunCodeArgs,
} from './run-code-function.js';
export { toStrictJsonSchema, type JsonSchema } from './strict-json-schema.js';
export { dispatchChatToolCalls, type ChatToolReply } from './dispatch-chat.js';
export { dispatchResponsesFunctionCalls } from './dispatch-responses.js';
export {
  executeFunctionCalls,
  DEFAULT_SESSION_ID,
  type DispatchOpts,
  type FunctionCall,
  type FunctionCallOutcome,
  type CodeSandbox,
  type CodeSessions,
} from './execute-function-calls.js';
export { runToolLoop, type RunToolLoopOpts, type RunToolLoopResult } from './run-tool-loop.js';
export { readChatStream, type StreamedTurn } from './read-chat-stream.js';
export { NonStrictSchemaError, UnsupportedLanguageError, EmptyCompletionError } from './errors.js';
