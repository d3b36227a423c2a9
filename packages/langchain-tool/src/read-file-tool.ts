import { DEFAULT_OUTPUT_MAX_CHARS, formatBytes, truncateMiddle } from '@codebox/core-client';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { classifyFile } from './file-content.js';
import { resolveSessionId } from './session-id.js';
import { toolContent, type ToolContent } from './tool-content.js';
import type { CodeboxToolOpts } from './tool-opts.js';

export const READ_FILE_TOOL_NAME = 'read_file';

/**
 * A tool that reads a file from the session's sandbox: text comes back as text (cut in the
 * middle past `maxOutputChars`), PNG/JPEG images as image blocks (when `includeImages`), other
 * binary files as a note of their size. The tool message's artifact is the file's bytes.
 */
export function createReadFileTool(opts: CodeboxToolOpts) {
  const includeImages = opts.includeImages ?? true;
  const maxChars = opts.maxOutputChars ?? DEFAULT_OUTPUT_MAX_CHARS;
  const schema = z.object({
    path: z.string().min(1).describe('Path of the file; relative paths start at /home/user.'),
  });

  return tool(
    async ({ path }, runtime) => {
      const sessionId = resolveSessionId(runtime, opts.sessionId, READ_FILE_TOOL_NAME);
      const bytes = await opts.sessions.withSession(sessionId, (sandbox) =>
        sandbox.files.read(path, { format: 'bytes', ...(runtime.signal ? { signal: runtime.signal } : {}) }),
      );
      return [fileToolContent(path, bytes, maxChars, includeImages), bytes];
    },
    {
      name: READ_FILE_TOOL_NAME,
      description:
        'Reads a file from the sandbox. Text files come back as text (long ones cut in the middle), PNG and JPEG images as images, ' +
        'other binary files as their size only.',
      schema,
      responseFormat: 'content_and_artifact',
    },
  );
}

function fileToolContent(path: string, bytes: Uint8Array, maxChars: number, includeImages: boolean): ToolContent {
  const content = classifyFile(bytes);
  switch (content.kind) {
    case 'text':
      return content.text === '' ? `${path} is empty.` : truncateMiddle(content.text, maxChars);
    case 'image':
      return toolContent({ text: `${path}: ${content.image.description}`, images: [content.image] }, includeImages);
    case 'binary':
      return `${path} is a binary file of ${formatBytes(content.bytes)}; it is not shown. Inspect it with code or a command.`;
  }
}
