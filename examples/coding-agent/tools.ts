// The coding agent's two functions: write a file into the project, run a command in it. Each
// is a zod schema (turned into a strict JSON Schema, so the model's arguments always parse)
// and the sandbox call that carries it out.
import { posix } from 'node:path';
import { CommandExitError, shapeOutput, type CommandResult, type Sandbox } from '@codebox/core-client';
import { toStrictJsonSchema } from '@codebox/openai-functions';
import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { z } from 'zod';

/** Where the agent works inside the sandbox. */
export const PROJECT_DIR = '/home/user/project';

const writeFileArgs = z.object({
  path: z.string().describe(`Path of the file, relative to the project directory ${PROJECT_DIR}.`),
  content: z.string().describe('The complete new content of the file.'),
});
const runCommandArgs = z.object({
  command: z.string().describe('A shell command, run with bash in the project directory, e.g. `python3 -m unittest -v`.'),
});

export const tools: ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: { name: 'write_file', description: 'Creates or overwrites a file of the project.', parameters: toStrictJsonSchema(writeFileArgs), strict: true },
  },
  {
    type: 'function',
    function: {
      name: 'run_command',
      description: 'Runs a shell command in the project directory and returns its stdout, stderr and exit code.',
      parameters: toStrictJsonSchema(runCommandArgs),
      strict: true,
    },
  },
];

/** What one call did: the text the model gets back, and for commands their result. */
export interface ToolOutcome {
  forModel: string;
  command?: { line: string; result: CommandResult };
}

export interface ToolEvents {
  onWrite?: (path: string, content: string) => void;
  onCommand?: (command: string) => void;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
}

/**
 * The arguments, or why they are not valid: strict mode makes OpenAI's models always match the
 * schema, but other OpenAI-compatible servers may not enforce it, and the model can correct itself.
 */
function parseArgs<T>(schema: z.ZodType<T>, rawArgs: string): { args: T } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(rawArgs);
  } catch {
    return { problem: 'The arguments are not valid JSON.' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { args: parsed.data } : { problem: `The arguments are not valid:\n${z.prettifyError(parsed.error)}` };
}

export async function callTool(sandbox: Sandbox, name: string, rawArgs: string, events: ToolEvents = {}): Promise<ToolOutcome> {
  if (name === 'write_file') {
    const parsed = parseArgs(writeFileArgs, rawArgs);
    if ('problem' in parsed) return { forModel: parsed.problem };
    const { path, content } = parsed.args;
    events.onWrite?.(path, content);
    await sandbox.files.write(posix.resolve(PROJECT_DIR, path), content);
    return { forModel: `Wrote ${path} (${content.split('\n').length} lines).` };
  }
  if (name === 'run_command') {
    const parsed = parseArgs(runCommandArgs, rawArgs);
    if ('problem' in parsed) return { forModel: parsed.problem };
    const { command } = parsed.args;
    events.onCommand?.(command);
    let result: CommandResult;
    try {
      result = await sandbox.commands.run(command, {
        cwd: PROJECT_DIR,
        timeoutMs: 120_000,
        onStdout: (text) => events.onOutput?.(text, 'stdout'),
        onStderr: (text) => events.onOutput?.(text, 'stderr'),
      });
    } catch (err) {
      // A failing test run is not an error of the agent: it is the news the model acts on.
      if (!(err instanceof CommandExitError)) throw err;
      result = err;
    }
    // Compact for the model: sections for stdout, stderr and the exit code, long ones cut in the middle.
    return { forModel: shapeOutput(result).text, command: { line: command, result } };
  }
  return { forModel: `There is no function "${name}"; use write_file or run_command.` };
}
