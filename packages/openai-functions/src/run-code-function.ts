import { CODE_LANGUAGES, type CodeLanguage } from '@codebox/core-client';
import { z } from 'zod/v4';
import { UnsupportedLanguageError } from './errors.js';
import { toStrictJsonSchema, type JsonSchema } from './strict-json-schema.js';

/** The name the model calls the code function by. */
export const RUN_CODE_FUNCTION_NAME = 'run_code';

export interface RunCodeFunctionOpts {
  /**
   * Languages offered to the model (the `language` enum); offer only those your template has.
   * @default `CODE_LANGUAGES` (every language of `code-interpreter-v1`, as the other Codebox tools offer)
   */
  languages?: readonly CodeLanguage[];
  /** Replaces the function's description (what the model reads to decide when to call it). */
  description?: string;
}

/** The arguments the model passes to `run_code`. */
export interface RunCodeArgs {
  code: string;
  language: CodeLanguage;
}

/** Everything about `run_code` both APIs' definitions and the dispatcher need: built once. */
export interface RunCodeFunction {
  name: string;
  description: string;
  /** Strict JSON Schema of the arguments. */
  parameters: JsonSchema;
  /** Validates the model's (already JSON-parsed) arguments. */
  args: z.ZodType<RunCodeArgs>;
  languages: readonly CodeLanguage[];
}

/**
 * The `run_code` function for the given languages. The description tells the model the two
 * facts it otherwise gets wrong: state persists between calls, and only printed output and
 * the last expression come back.
 *
 * @throws UnsupportedLanguageError for an empty or unknown `languages`.
 */
export function runCodeFunction(opts: RunCodeFunctionOpts = {}): RunCodeFunction {
  const languages = [...new Set(opts.languages ?? CODE_LANGUAGES)];
  if (languages.length === 0) throw new UnsupportedLanguageError('(none)', CODE_LANGUAGES);
  for (const language of languages) {
    if (!(CODE_LANGUAGES as readonly string[]).includes(language)) throw new UnsupportedLanguageError(language, CODE_LANGUAGES);
  }
  const args = z.object({
    code: z.string().min(1).describe('The code to run, complete and self-contained for this step.'),
    language: z.enum(languages as [CodeLanguage, ...CodeLanguage[]]).describe('The language of the code.'),
  });
  const description =
    opts.description ??
    `Runs code in a sandboxed machine and returns its stdout, stderr, the value of the last expression, ` +
      `images it displayed (described) and any error. Languages: ${languages.join(', ')}. ` +
      'Variables, imports and files persist between calls, so build on earlier results instead of repeating work. ' +
      'Print what you need to see.';
  return { name: RUN_CODE_FUNCTION_NAME, description, parameters: toStrictJsonSchema(args), args, languages };
}
