import { tool, type Tool } from 'ai';
import { z } from 'zod';
import { fileOutput } from './file-output.js';
import { toModelOutput } from './model-output.js';
import { resolveSessionId } from './session-id.js';
import { outputBudget, type CodeboxToolOpts } from './tool-options.js';
import type { FinishedOutput } from './tool-output.js';
import type { ToolSandbox } from './tool-sandbox.js';

export interface ReadFileInput {
  path: string;
}

export const READ_FILE_DESCRIPTION =
  'Read a file from the sandbox. Text files are returned as text (long ones with the middle cut); PNG and JPEG ' +
  'images are returned as images you can see. Relative paths are relative to /home/user.';

/** An AI SDK tool that reads a file from the session's sandbox (images go to the model as images). */
export function readFileTool<S extends ToolSandbox>(opts: CodeboxToolOpts<S>): Tool<ReadFileInput, FinishedOutput> {
  const maxChars = outputBudget(opts);
  return tool({
    description: READ_FILE_DESCRIPTION,
    inputSchema: z.object({ path: z.string().describe('Path of the file.') }),
    toModelOutput,
    execute: (input, call) =>
      opts.sessions.withSession(resolveSessionId(call, opts.sessionId), async (sandbox) => {
        const bytes = await sandbox.files.read(input.path, { format: 'bytes', ...(call.abortSignal ? { signal: call.abortSignal } : {}) });
        return fileOutput(input.path, bytes, maxChars);
      }),
  });
}
