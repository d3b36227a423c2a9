import { randomUUID } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createCodeboxMcpServer } from './codebox-mcp-server.js';
import type { McpServeConfig } from './mcp-config.js';
import { sessionsFor, toolSettingsOf } from './session-pool.js';

export interface StdioMcpServer {
  /** Resolves once the client has gone and the session's sandbox is killed. */
  readonly closed: Promise<void>;
  /** Ends the session now (kills its sandbox). */
  close(): Promise<void>;
}

/**
 * Serves one MCP session over stdio (the host starts this process and talks on its stdin and
 * stdout; nothing else may write to stdout). The session's sandbox is created on the first
 * tool call and killed when stdin ends (the client closed it, or died: its end of the pipe
 * closes with it), when the session idles out (a later call gets a new sandbox), or when the
 * process is told to stop.
 */
export async function serveStdio(config: McpServeConfig, io: { stdin: Readable; stdout: Writable } = { stdin: process.stdin, stdout: process.stdout }): Promise<StdioMcpServer> {
  const sessions = sessionsFor(config, 1);
  const server = createCodeboxMcpServer({ sessions, sessionId: randomUUID(), ...toolSettingsOf(config) });
  const transport = new StdioServerTransport(io.stdin, io.stdout);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      io.stdin.off('end', onEnd);
      io.stdin.off('close', onEnd);
      await server.close().catch(() => {});
      await sessions.close();
    })());
  // The SDK's stdio transport listens for data only: the end of stdin is how a gone client shows.
  const onEnd = (): void => void close().catch(() => {});
  io.stdin.once('end', onEnd);
  io.stdin.once('close', onEnd);
  await server.connect(transport);
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => void close().then(resolve, resolve);
  });
  return { closed, close };
}
