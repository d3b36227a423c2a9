import {
  CODEBOX_TOOL_NAMES,
  InvalidArgumentError,
  strictToolSchemas,
  toolDescriptions,
  type CodeboxToolArgs,
  type CodeboxToolName,
  type ToolDefinitionOpts,
} from '@codebox/core-client';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import type { FunctionTool } from 'openai/resources/responses/responses';
import type { z } from 'zod/v4';
import { toStrictJsonSchema, type JsonSchema } from './strict-json-schema.js';

export interface CodeboxFunctionsOpts extends ToolDefinitionOpts {
  /**
   * The functions offered to the model.
   * @default all four: run_code, run_command, read_file, write_file
   */
  functions?: readonly CodeboxToolName[];
}

/** One Codebox function, as both APIs' definitions and the dispatcher need it. */
export interface CodeboxFunction<N extends CodeboxToolName = CodeboxToolName> {
  name: N;
  description: string;
  /** Strict JSON Schema of the arguments. */
  parameters: JsonSchema;
  /** Validates the model's (already JSON-parsed) arguments. */
  args: z.ZodType<CodeboxToolArgs[N]>;
}

/**
 * The Codebox functions with core-client's names, descriptions and argument schemas, in their
 * strict form (every argument required, an optional one nullable), built once per options.
 *
 * @throws UnsupportedLanguageError for an empty or unknown `languages`.
 */
export function codeboxFunctions(opts: CodeboxFunctionsOpts = {}): CodeboxFunction[] {
  const names = [...new Set(opts.functions ?? CODEBOX_TOOL_NAMES)];
  for (const name of names) {
    if (!(CODEBOX_TOOL_NAMES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`There is no Codebox function "${name}": choose some of ${CODEBOX_TOOL_NAMES.join(', ')}.`);
    }
  }
  if (names.length === 0) throw new InvalidArgumentError(`functions must name at least one of ${CODEBOX_TOOL_NAMES.join(', ')}.`);
  const schemas = strictToolSchemas(opts);
  const descriptions = toolDescriptions({ ...opts, languageRequired: true });
  return names.map((name) => ({
    name,
    description: descriptions[name],
    parameters: toStrictJsonSchema(schemas[name]),
    args: schemas[name] as unknown as z.ZodType<CodeboxToolArgs[typeof name]>,
  }));
}

/**
 * The Codebox functions as Chat Completions `tools`, strict:
 * `client.chat.completions.create({ model, messages, tools: chatTools() })`.
 */
export function chatTools(opts: CodeboxFunctionsOpts = {}): ChatCompletionFunctionTool[] {
  return codeboxFunctions(opts).map((fn) => ({
    type: 'function',
    function: { name: fn.name, description: fn.description, parameters: fn.parameters, strict: true },
  }));
}

/**
 * The Codebox functions as Responses API function tools (the flat shape), strict:
 * `client.responses.create({ model, input, tools: responsesTools() })`.
 */
export function responsesTools(opts: CodeboxFunctionsOpts = {}): FunctionTool[] {
  return codeboxFunctions(opts).map((fn) => ({ type: 'function', name: fn.name, description: fn.description, parameters: fn.parameters, strict: true }));
}
