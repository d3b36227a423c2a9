import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { FunctionTool } from 'openai/resources/responses/responses';
import { runCodeFunction, type RunCodeFunctionOpts } from './run-code-function.js';

/**
 * The Codebox functions as Chat Completions `tools`, strict:
 * `client.chat.completions.create({ model, messages, tools: chatTools() })`.
 */
export function chatTools(opts: RunCodeFunctionOpts = {}): ChatCompletionFunctionTool[] {
  const fn = runCodeFunction(opts);
  return [{ type: 'function', function: { name: fn.name, description: fn.description, parameters: fn.parameters, strict: true } }];
}

/**
 * The Codebox functions as Responses API function tools (the flat shape), strict:
 * `client.responses.create({ model, input, tools: responsesTools() })`.
 */
export function responsesTools(opts: RunCodeFunctionOpts = {}): FunctionTool[] {
  const fn = runCodeFunction(opts);
  return [{ type: 'function', name: fn.name, description: fn.description, parameters: fn.parameters, strict: true }];
}
