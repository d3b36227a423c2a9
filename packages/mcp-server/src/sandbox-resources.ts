import { classifyFile, type AgentSandbox, type SandboxSessions } from '@codebox/core-client';
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult, Resource } from '@modelcontextprotocol/sdk/types.js';

/** URI of a file in the session's sandbox: `sandbox://files/home/user/plot.png` for `/home/user/plot.png`. */
export const SANDBOX_FILE_URI_TEMPLATE = 'sandbox://files/{+path}';
const HOME = '/home/user';
/** Most files resources/list names: a listing is for picking a file, not for dumping a tree. */
export const MAX_LISTED_FILES = 200;

/** A sandbox whose files can be listed (`Sandbox` can); listing is skipped for one that cannot. */
interface ListableFiles {
  list(path: string, opts?: { depth?: number }): Promise<{ name: string; path: string; type?: string | undefined; size: number }[]>;
}

export function fileUri(path: string): string {
  return `sandbox://files/${path.replace(/^\/+/, '')}`;
}

function mimeTypeOf(kind: ReturnType<typeof classifyFile>): string {
  if (kind.kind === 'image') return kind.image.mimeType;
  return kind.kind === 'text' ? 'text/plain' : 'application/octet-stream';
}

/**
 * Files in the session's sandbox as MCP resources: resources/list names the files under
 * /home/user (two levels deep, dotfiles left out), and the template `sandbox://files/{+path}` reads any file by
 * its absolute path, text as text and other bytes as a base64 blob. Listing never creates a
 * sandbox (a session that has run nothing has no files); reading does, like a tool call.
 */
export function registerSandboxResources<S extends AgentSandbox>(
  server: McpServer,
  sessions: SandboxSessions<S>,
  sessionIdOf: (extra: { sessionId?: string | undefined }) => string,
): void {
  const template = new ResourceTemplate(SANDBOX_FILE_URI_TEMPLATE, {
    list: async (extra) => {
      const sessionId = sessionIdOf(extra);
      if (!sessions.has(sessionId)) return { resources: [] };
      const resources = await sessions.withSession(sessionId, async (sandbox) => {
        const files = (sandbox.files as Partial<ListableFiles>).list;
        if (typeof files !== 'function') return [];
        const entries = await files.call(sandbox.files, HOME, { depth: 2 });
        return entries
          // Dotfiles (.bashrc, .cache/...) are the machine's, not the work's.
          .filter((entry) => entry.type === 'file' && !entry.path.slice(HOME.length).split('/').some((part) => part.startsWith('.')))
          .slice(0, MAX_LISTED_FILES)
          .map((entry): Resource => ({ uri: fileUri(entry.path), name: entry.path, size: entry.size }));
      });
      return { resources };
    },
  });
  server.registerResource(
    'sandbox-file',
    template,
    { title: 'File in the sandbox', description: 'A file in this session\'s sandbox, by absolute path: sandbox://files/home/user/<name>.' },
    async (uri, variables, extra): Promise<ReadResourceResult> => {
      const raw = Array.isArray(variables.path) ? variables.path.join('/') : (variables.path ?? '');
      const path = `/${decodeURIComponent(raw).replace(/^\/+/, '')}`;
      const bytes = await sessions.withSession(sessionIdOf(extra), (sandbox) => sandbox.files.read(path, { format: 'bytes', signal: extra.signal }));
      const kind = classifyFile(bytes);
      const mimeType = mimeTypeOf(kind);
      if (kind.kind === 'text') return { contents: [{ uri: uri.href, mimeType, text: kind.text }] };
      return { contents: [{ uri: uri.href, mimeType, blob: Buffer.from(bytes).toString('base64') }] };
    },
  );
}
