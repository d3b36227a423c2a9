import { formatBytes } from '@codebox/core-client';
import { tool, type Tool } from 'ai';
import { z } from 'zod';
import { toModelOutput } from './model-output.js';
import { resolveSessionId } from './session-id.js';
import type { CodeboxToolOpts } from './tool-options.js';
import type { FinishedOutput } from './tool-output.js';
import type { ToolSandbox } from './tool-sandbox.js';

export interface WriteFileInput {
  path: string;
  content: string;
}

export const WRITE_FILE_DESCRIPTION =
  'Write a text file in the sandbox, creating parent directories and replacing what was there. ' +
  'Relative paths are relative to /home/user. run_code and run_command see the file.';

/** An AI SDK tool that writes a text file into the session's sandbox. */
export function writeFileTool<S extends ToolSandbox>(opts: CodeboxToolOpts<S>): Tool<WriteFileInput, FinishedOutput> {
  return tool({
    description: WRITE_FILE_DESCRIPTION,
    inputSchema: z.object({
      path: z.string().describe('Path of the file.'),
      content: z.string().describe('The whole content of the file.'),
    }),
    toModelOutput,
    execute: (input, call) =>
      opts.sessions.withSession(resolveSessionId(call, opts.sessionId), async (sandbox): Promise<FinishedOutput> => {
        const info = await sandbox.files.write(input.path, input.content, call.abortSignal ? { signal: call.abortSignal } : {});
        const size = formatBytes(Buffer.byteLength(input.content));
        return { status: 'done', text: `Wrote ${size} to ${info.path}.`, images: [], truncated: false };
      }),
  });
}
