import { CODE_LANGUAGES, languageOfLabel, type CodeLanguage } from '@codebox/protocol';
import { z } from 'zod';
import { UnsupportedLanguageError } from './errors.js';

/**
 * The agent tools' names, descriptions and argument schemas: one definition the LangChain,
 * AI SDK and OpenAI packages turn into their framework's tools, so a model sees the same four
 * tools whichever framework runs it.
 */

export const RUN_CODE_TOOL_NAME = 'run_code';
export const RUN_COMMAND_TOOL_NAME = 'run_command';
export const READ_FILE_TOOL_NAME = 'read_file';
export const WRITE_FILE_TOOL_NAME = 'write_file';
/** Every agent tool, in the order the packages offer them. */
export const CODEBOX_TOOL_NAMES = [RUN_CODE_TOOL_NAME, RUN_COMMAND_TOOL_NAME, READ_FILE_TOOL_NAME, WRITE_FILE_TOOL_NAME] as const;
export type CodeboxToolName = (typeof CODEBOX_TOOL_NAMES)[number];

export interface ToolDefinitionOpts {
  /**
   * Languages `run_code` offers the model; the first is the default when a call names none.
   * Offer only those your template has kernels for.
   * @default CODE_LANGUAGES (every language of `code-interpreter-v1`)
   */
  languages?: readonly CodeLanguage[];
  /** Replaces what the model is told a tool does, by tool name. */
  descriptions?: Partial<Record<CodeboxToolName, string>>;
}

/**
 * The configured languages, checked.
 * @throws UnsupportedLanguageError for an empty list or a language no kernel runs.
 */
export function toolLanguages(languages: readonly CodeLanguage[] = CODE_LANGUAGES): [CodeLanguage, ...CodeLanguage[]] {
  const unique = [...new Set(languages)];
  if (unique.length === 0) throw new UnsupportedLanguageError('(none)', CODE_LANGUAGES);
  for (const language of unique) {
    if (!(CODE_LANGUAGES as readonly string[]).includes(language)) throw new UnsupportedLanguageError(language, CODE_LANGUAGES);
  }
  return unique as [CodeLanguage, ...CodeLanguage[]];
}

/** What the model is told each tool does. */
export function toolDescriptions(opts: ToolDefinitionOpts & { languageRequired?: boolean } = {}): Record<CodeboxToolName, string> {
  const languages = toolLanguages(opts.languages);
  const defaultNote = opts.languageRequired ? '' : ` (${languages[0]} when not given)`;
  return {
    run_code:
      'Runs code in a sandboxed machine, like a Jupyter notebook cell, and returns its stdout, stderr, the value of the last ' +
      `expression, charts (e.g. matplotlib figures) as images, and any error. Languages: ${languages.join(', ')}${defaultNote}. ` +
      'Variables, imports and files persist between calls, so build on earlier results instead of repeating work; the working ' +
      'directory is /home/user. Long output is cut in the middle: print what you need to see.',
    run_command:
      'Runs a shell command with bash in the sandbox (as user `user`, in /home/user unless cwd is given) and returns its stdout, ' +
      'stderr and exit code. Use it to install packages, inspect or move files, and run programs or tests. Files are shared with ' +
      'run_code. Long output is cut in the middle.',
    read_file:
      'Reads a file from the sandbox. Text files come back as text (long ones cut in the middle), PNG and JPEG images as images, ' +
      'other binary files as their size only. Relative paths start at /home/user.',
    write_file:
      'Writes a text file in the sandbox, creating parent directories and replacing the file if it exists. Relative paths start ' +
      'at /home/user. run_code and run_command see the file.',
    ...opts.descriptions,
  };
}

/**
 * The `language` argument: the offered languages as an enum, and what models also write for
 * them (`py`, `js`, `sh`, ...) read as the language they mean, so a near-miss runs instead of
 * failing validation. The JSON Schema the model sees is the plain enum.
 */
function languageArg(languages: [CodeLanguage, ...CodeLanguage[]]) {
  return z.preprocess((value) => (typeof value === 'string' ? (languageOfLabel(value) ?? value) : value), z.enum(languages));
}

const DESCRIBE = {
  code: 'The code to run.',
  command: 'The command line, run with bash -l -c.',
  cwd: 'Working directory; /home/user when not given.',
  readPath: 'Path of the file; relative paths start at /home/user.',
  writePath: 'Path of the file; relative paths start at /home/user. Missing directories are created.',
  content: 'The whole content of the file.',
};

/**
 * Argument schemas with optional arguments left out when not given (LangChain, the AI SDK).
 * `language` defaults to the first offered language when the call runs.
 */
export function toolSchemas(opts: Pick<ToolDefinitionOpts, 'languages'> = {}) {
  const languages = toolLanguages(opts.languages);
  return {
    run_code: z.object({
      code: z.string().min(1).describe(DESCRIBE.code),
      language: languageArg(languages).optional().describe(`Language of the code; ${languages[0]} when not given.`),
    }),
    run_command: z.object({
      command: z.string().min(1).describe(DESCRIBE.command),
      cwd: z.string().optional().describe(DESCRIBE.cwd),
    }),
    read_file: z.object({ path: z.string().min(1).describe(DESCRIBE.readPath) }),
    write_file: z.object({ path: z.string().min(1).describe(DESCRIBE.writePath), content: z.string().describe(DESCRIBE.content) }),
  };
}

/**
 * Argument schemas for OpenAI's strict function calling: every property required (an optional
 * one is nullable instead), no extra properties.
 */
export function strictToolSchemas(opts: Pick<ToolDefinitionOpts, 'languages'> = {}) {
  const languages = toolLanguages(opts.languages);
  return {
    run_code: z.object({ code: z.string().min(1).describe(DESCRIBE.code), language: languageArg(languages).describe('Language of the code.') }),
    run_command: z.object({ command: z.string().min(1).describe(DESCRIBE.command), cwd: z.string().nullable().describe(DESCRIBE.cwd) }),
    read_file: z.object({ path: z.string().min(1).describe(DESCRIBE.readPath) }),
    write_file: z.object({ path: z.string().min(1).describe(DESCRIBE.writePath), content: z.string().describe(DESCRIBE.content) }),
  };
}

/** A tool's arguments once validated by either set of schemas. */
export interface CodeboxToolArgs {
  run_code: { code: string; language?: CodeLanguage | null | undefined };
  run_command: { command: string; cwd?: string | null | undefined };
  read_file: { path: string };
  write_file: { path: string; content: string };
}
