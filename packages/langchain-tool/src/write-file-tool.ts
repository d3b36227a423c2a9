import { formatBytes } from '@codebox/core-client';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { resolveSessionId } from './session-id.js';
import type { CodeboxToolOpts } from './tool-opts.js';

export const WRITE_FILE_TOOL_NAME = 'write_file';

/**
 * A tool that writes a text file into the session's sandbox (parent directories are created,
 * an existing file is replaced). The tool message's artifact is the `WriteInfo`.
 */
export function createWriteFileTool(opts: Pick<CodeboxToolOpts, 'sessions' | 'sessionId'>) {
  const schema = z.object({
    path: z.string().min(1).describe('Path of the file; relative paths start at /home/user. Missing directories are created.'),
    content: z.string().describe('The whole content of the file.'),
  });

  return tool(
    async ({ path, content }, runtime) => {
      const sessionId = resolveSessionId(runtime, opts.sessionId, WRITE_FILE_TOOL_NAME);
      const info = await opts.sessions.withSession(sessionId, (sandbox) =>
        sandbox.files.write(path, content, runtime.signal ? { signal: runtime.signal } : {}),
      );
      return [`Wrote ${formatBytes(Buffer.byteLength(content))} to ${info.path}.`, info];
    },
    {
      name: WRITE_FILE_TOOL_NAME,
      description: 'Writes a text file in the sandbox, replacing it if it exists. Use it to create scripts, data or configuration files.',
      schema,
      responseFormat: 'content_and_artifact',
    },
  );
}
