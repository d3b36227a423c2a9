import {
  CODEBOX_TOOL_NAMES,
  codeboxToolRunner,
  MissingSessionIdError,
  outputBudget,
  toolDescriptions,
  toolSchemas,
  type AgentSandbox,
  type CodeboxToolArgs,
  type CodeboxToolName,
  type CodeboxToolSettings,
  type SandboxSessions,
} from '@codebox/core-client';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { ProgressRelay } from './progress-relay.js';
import { registerSandboxResources } from './sandbox-resources.js';
import { toolError, toolResult } from './tool-result.js';

export const MCP_SERVER_NAME = 'codebox';
export const MCP_SERVER_VERSION = '0.1.0';
/** Least time between two progress notifications of one call. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

export interface CodeboxMcpServerOpts<S extends AgentSandbox = AgentSandbox> extends CodeboxToolSettings {
  /** Where the sandboxes come from: one per MCP session, made on its first tool call. */
  sessions: SandboxSessions<S>;
  /**
   * The session of calls whose transport has no session id (stdio, in-memory): one process,
   * one client, one sandbox. Over Streamable HTTP the transport's session id is used instead.
   */
  sessionId?: string;
  /** @default 100 */
  progressIntervalMs?: number;
}

const INSTRUCTIONS =
  'Codebox runs code for you in an isolated sandbox (a Linux machine of its own, one per session). run_code keeps ' +
  'variables between calls like a notebook; run_command runs shell commands; read_file and write_file move files. ' +
  'Files in the sandbox are also resources (sandbox://files/<absolute path>). The sandbox ends with this session.';

const ANNOTATIONS: Record<CodeboxToolName, ToolAnnotations> = {
  run_code: { title: 'Run code in the sandbox', readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  run_command: { title: 'Run a shell command in the sandbox', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  read_file: { title: 'Read a file from the sandbox', readOnlyHint: true, openWorldHint: false },
  write_file: { title: 'Write a file in the sandbox', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
};

/**
 * An MCP server with Codebox's four agent tools (`run_code`, `run_command`, `read_file`,
 * `write_file`: the names, descriptions, schemas and behaviour of every framework package, from
 * core-client) and the session sandbox's files as resources. Connect it to one transport: an
 * MCP server object serves one client session.
 *
 * While code or a command runs, what it prints is sent as progress notifications when the call
 * carries a progress token; cancelling the call (`notifications/cancelled`) interrupts the code
 * (the kernel keeps its state) or kills the command. Bad arguments and failures of the tool
 * itself come back as tool results with `isError`, which the model reads.
 */
export function createCodeboxMcpServer<S extends AgentSandbox>(opts: CodeboxMcpServerOpts<S>): McpServer {
  const run = codeboxToolRunner(opts);
  const maxChars = outputBudget(opts.maxOutputChars);
  const descriptions = toolDescriptions(opts);
  const schemas = toolSchemas(opts);
  const intervalMs = opts.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  const server = new McpServer({ name: MCP_SERVER_NAME, version: MCP_SERVER_VERSION }, { instructions: INSTRUCTIONS });

  const sessionIdOf = (extra: { sessionId?: string | undefined }, toolName: string): string => {
    const id = extra.sessionId ?? opts.sessionId;
    if (!id) throw new MissingSessionIdError(toolName, 'connect over a transport with sessions (Streamable HTTP) or give createCodeboxMcpServer a sessionId');
    return id;
  };

  for (const name of CODEBOX_TOOL_NAMES) {
    // The schema of a generic name is a union of the four; each handler gets its own tool's arguments.
    const inputSchema = schemas[name] as z.ZodType<CodeboxToolArgs[typeof name]>;
    server.registerTool(name, { description: descriptions[name], inputSchema, annotations: ANNOTATIONS[name] }, async (args, extra): Promise<CallToolResult> => {
      const progressToken = extra._meta?.progressToken;
      let progress = 0;
      const relay =
        progressToken === undefined
          ? undefined
          : new ProgressRelay(
              (message) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: ++progress, message } }),
              { intervalMs, maxChars },
            );
      try {
        const { output } = await opts.sessions.withSession(sessionIdOf(extra, name), (sandbox) =>
          run(sandbox, name, args as CodeboxToolArgs[CodeboxToolName], {
            signal: extra.signal,
            onStdout: (text) => relay?.stdout(text),
            onStderr: (text) => relay?.stderr(text),
          }),
        );
        await relay?.flush();
        return toolResult(output);
      } catch (err) {
        relay?.stop();
        // Cancelled: the SDK answers nothing for a cancelled request, so the error only ends the handler.
        if (extra.signal.aborted) throw err;
        return toolError(name, err);
      }
    });
  }

  registerSandboxResources(server, opts.sessions, (extra) => sessionIdOf(extra, 'resources'));
  return server;
}
