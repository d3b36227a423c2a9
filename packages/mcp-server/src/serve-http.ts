import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createCodeboxMcpServer } from './codebox-mcp-server.js';
import { isLoopbackHost, type McpServeConfig } from './mcp-config.js';
import { sessionsFor, toolSettingsOf } from './session-pool.js';

/** The path of the Streamable HTTP endpoint. */
export const MCP_HTTP_PATH = '/mcp';

export interface HttpMcpServer {
  /** `http://host:port/mcp`. */
  readonly url: string;
  /** Live MCP sessions. */
  sessionCount(): number;
  /** Ends every session (killing its sandbox) and stops listening. */
  close(): Promise<void>;
}

interface Session {
  readonly transport: StreamableHTTPServerTransport;
  readonly server: McpServer;
  /** Requests of this session whose response is still open (a tool call, the client's SSE stream). */
  open: number;
  idleTimer?: NodeJS.Timeout;
}

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

/**
 * Serves MCP over Streamable HTTP at `/mcp`: each client session (the `Mcp-Session-Id` the
 * server hands out at initialize) has its own MCP server and its own sandbox, created on its
 * first tool call. A session ends, and its sandbox is killed, when the client deletes it
 * (HTTP DELETE), or when for `idleTimeoutMs` it had no request open: a client that died
 * without saying so (its connections closed with it) leaves nothing running. On loopback the
 * `Host` header is checked (DNS rebinding); with a token every request must carry it.
 */
export async function serveHttp(config: McpServeConfig): Promise<HttpMcpServer> {
  const sessions = sessionsFor(config, config.maxSessions);
  const live = new Map<string, Session>();
  let allowedHosts: string[] | undefined;

  const end = async (id: string): Promise<void> => {
    const session = live.get(id);
    if (!session) return;
    live.delete(id);
    clearTimeout(session.idleTimer);
    await session.server.close().catch(() => {});
    await sessions.kill(id);
  };

  const track = (session: Session, res: ServerResponse): void => {
    session.open++;
    clearTimeout(session.idleTimer);
    res.once('close', () => {
      session.open--;
      const id = session.transport.sessionId;
      if (session.open > 0 || id === undefined || config.idleTimeoutMs === 0) return;
      session.idleTimer = setTimeout(() => void end(id).catch(() => {}), config.idleTimeoutMs);
    });
  };

  const startSession = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (live.size >= config.maxSessions) return jsonRpcError(res, 503, `All ${config.maxSessions} MCP sessions are in use; end one or raise --max-sessions.`);
    let session: Session | undefined;
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      ...(allowedHosts ? { enableDnsRebindingProtection: true, allowedHosts } : {}),
      onsessioninitialized: (id) => {
        if (session) live.set(id, session);
      },
    });
    const server = createCodeboxMcpServer({ sessions, ...toolSettingsOf(config) });
    session = { transport, server, open: 0 };
    transport.onclose = () => {
      if (transport.sessionId) void end(transport.sessionId).catch(() => {});
    };
    await server.connect(transport);
    track(session, res);
    await transport.handleRequest(req, res);
    // Not an initialize request (the transport answered 400): nothing to keep.
    if (transport.sessionId === undefined || !live.has(transport.sessionId)) await server.close().catch(() => {});
  };

  const http = createServer((req, res) => {
    const handle = async (): Promise<void> => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path !== MCP_HTTP_PATH) return jsonRpcError(res, 404, `Not found: the MCP endpoint is ${MCP_HTTP_PATH}.`);
      if (config.authToken && !tokenMatches(req.headers.authorization, config.authToken)) {
        res.setHeader('www-authenticate', 'Bearer');
        return jsonRpcError(res, 401, 'Unauthorized: send Authorization: Bearer <the token codebox mcp was given>.');
      }
      const id = req.headers['mcp-session-id'];
      if (typeof id === 'string') {
        const session = live.get(id);
        if (!session) return jsonRpcError(res, 404, 'Session not found: it ended (deleted or idle); start a new one.');
        track(session, res);
        return session.transport.handleRequest(req, res);
      }
      if (req.method !== 'POST') return jsonRpcError(res, 400, 'No Mcp-Session-Id: start a session with an initialize request (POST).');
      return startSession(req, res);
    };
    handle().catch((err: unknown) => {
      if (!res.headersSent) jsonRpcError(res, 500, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const hostInUrl = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
  if (isLoopbackHost(config.host)) allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostInUrl}:${port}`];

  return {
    url: `http://${hostInUrl}:${port}${MCP_HTTP_PATH}`,
    sessionCount: () => live.size,
    close: async () => {
      await Promise.allSettled([...live.keys()].map(end));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await sessions.close();
    },
  };
}
