export { createCodeboxMcpServer, DEFAULT_PROGRESS_INTERVAL_MS, MCP_SERVER_NAME, MCP_SERVER_VERSION, type CodeboxMcpServerOpts } from './codebox-mcp-server.js';
export { isLoopbackHost, loadMcpConfig, MCP_DEFAULTS, McpConfigError, type McpServeConfig, type McpServeFlags, type McpTransportKind } from './mcp-config.js';
export { ProgressRelay, type ProgressSender } from './progress-relay.js';
export { fileUri, MAX_LISTED_FILES, registerSandboxResources, SANDBOX_FILE_URI_TEMPLATE } from './sandbox-resources.js';
export { MCP_HTTP_PATH, serveHttp, type HttpMcpServer } from './serve-http.js';
export { serveStdio, type StdioMcpServer } from './serve-stdio.js';
export { toolError, toolResult } from './tool-result.js';
