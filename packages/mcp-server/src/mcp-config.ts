import { CODE_LANGUAGES, type CodeLanguage } from '@codebox/core-client';

/** A setting of `codebox mcp` that cannot be used; the message names the flag or variable. */
export class McpConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpConfigError';
  }
}

export type McpTransportKind = 'stdio' | 'http';

/** How `codebox mcp` runs: transport, runner connection, sandbox template, lifetimes and limits. */
export interface McpServeConfig {
  transport: McpTransportKind;
  /** Address and port of the Streamable HTTP endpoint (`/mcp`). */
  host: string;
  port: number;
  /** Bearer token HTTP clients must send; required when `host` is not a loopback address. */
  authToken?: string;
  /** The runner; core-client's CODEBOX_API_URL / E2B_API_URL when absent. */
  apiUrl?: string;
  /** core-client's CODEBOX_API_KEY / E2B_API_KEY when absent. */
  apiKey?: string;
  template: string;
  /** A session's sandbox is killed after this long without a call; an HTTP session without requests ends too. */
  idleTimeoutMs: number;
  /** Time limit of one tool call; the sandbox's default (60 s) when absent. */
  timeoutMs?: number;
  maxOutputChars?: number;
  /** Most MCP sessions (so sandboxes) at once over HTTP. */
  maxSessions: number;
  languages?: CodeLanguage[];
}

/** Flags of `codebox mcp`, as commander parses them (strings). */
export interface McpServeFlags {
  http?: boolean;
  host?: string;
  port?: string;
  token?: string;
  apiUrl?: string;
  apiKey?: string;
  template?: string;
  idleTimeout?: string;
  timeout?: string;
  maxOutputChars?: string;
  maxSessions?: string;
  languages?: string;
}

export const MCP_DEFAULTS = { host: '127.0.0.1', port: 3001, template: 'code-interpreter-v1', idleTimeoutSeconds: 600, maxSessions: 10 } as const;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

function number(source: string, value: string, { min, integer }: { min: number; integer: boolean }): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new McpConfigError(`${source} must be ${integer ? 'an integer' : 'a number'} of at least ${min}, got "${value}".`);
  }
  return n;
}

/**
 * The configuration from flags, else `CODEBOX_MCP_*` variables, else defaults. The runner's URL
 * and key follow core-client (`CODEBOX_API_URL`/`E2B_API_URL`, `CODEBOX_API_KEY`/`E2B_API_KEY`)
 * unless `--api-url`/`--api-key` are given.
 * @throws McpConfigError for a value that cannot be used.
 */
export function loadMcpConfig(flags: McpServeFlags = {}, env: NodeJS.ProcessEnv = process.env): McpServeConfig {
  const pick = (flag: string | undefined, name: string): [string, string] | undefined => {
    if (flag !== undefined) return [flag, `--${name.toLowerCase().replaceAll('_', '-')}`];
    const value = env[`CODEBOX_MCP_${name}`];
    return value === undefined || value === '' ? undefined : [value, `CODEBOX_MCP_${name}`];
  };
  const transportValue = flags.http ? 'http' : (env.CODEBOX_MCP_TRANSPORT ?? 'stdio');
  if (transportValue !== 'stdio' && transportValue !== 'http') throw new McpConfigError(`CODEBOX_MCP_TRANSPORT must be stdio or http, got "${transportValue}".`);
  const port = pick(flags.port, 'PORT');
  const idle = pick(flags.idleTimeout, 'IDLE_TIMEOUT');
  const timeout = pick(flags.timeout, 'TIMEOUT');
  const maxOutput = pick(flags.maxOutputChars, 'MAX_OUTPUT_CHARS');
  const maxSessions = pick(flags.maxSessions, 'MAX_SESSIONS');
  const languages = pick(flags.languages, 'LANGUAGES');
  const config: McpServeConfig = {
    transport: transportValue,
    host: pick(flags.host, 'HOST')?.[0] ?? MCP_DEFAULTS.host,
    port: port ? number(port[1], port[0], { min: 0, integer: true }) : MCP_DEFAULTS.port,
    template: pick(flags.template, 'TEMPLATE')?.[0] ?? MCP_DEFAULTS.template,
    idleTimeoutMs: Math.round((idle ? number(idle[1], idle[0], { min: 0, integer: false }) : MCP_DEFAULTS.idleTimeoutSeconds) * 1000),
    maxSessions: maxSessions ? number(maxSessions[1], maxSessions[0], { min: 1, integer: true }) : MCP_DEFAULTS.maxSessions,
  };
  if (config.port > 65535) throw new McpConfigError(`${port?.[1]} must be a port (0 to 65535), got ${config.port}.`);
  if (timeout) config.timeoutMs = Math.round(number(timeout[1], timeout[0], { min: 0.001, integer: false }) * 1000);
  if (maxOutput) config.maxOutputChars = number(maxOutput[1], maxOutput[0], { min: 1, integer: true });
  if (languages) {
    const list = languages[0].split(',').map((l) => l.trim()).filter(Boolean);
    const unknown = list.filter((l) => !(CODE_LANGUAGES as readonly string[]).includes(l));
    if (list.length === 0 || unknown.length > 0) throw new McpConfigError(`${languages[1]} must list some of ${CODE_LANGUAGES.join(', ')}, got "${languages[0]}".`);
    config.languages = list as CodeLanguage[];
  }
  const token = pick(flags.token, 'TOKEN');
  if (token) config.authToken = token[0];
  if (flags.apiUrl) config.apiUrl = flags.apiUrl;
  if (flags.apiKey) config.apiKey = flags.apiKey;
  // Whoever reaches the endpoint runs code on your runner key: off loopback, only with a token.
  if (config.transport === 'http' && !isLoopbackHost(config.host) && !config.authToken) {
    throw new McpConfigError(`Serving MCP on ${config.host} (not loopback) needs a bearer token: pass --token or set CODEBOX_MCP_TOKEN.`);
  }
  return config;
}
