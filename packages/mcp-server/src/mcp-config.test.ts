import { describe, expect, it } from 'vitest';
import { loadMcpConfig, McpConfigError } from './mcp-config.js';

describe('loadMcpConfig', () => {
  it('has defaults for stdio with the code interpreter template', () => {
    expect(loadMcpConfig({}, {})).toEqual({ transport: 'stdio', host: '127.0.0.1', port: 3001, template: 'code-interpreter-v1', idleTimeoutMs: 600_000, maxSessions: 10 });
  });

  it('takes CODEBOX_MCP_* variables, and flags over them; seconds become milliseconds', () => {
    const env = { CODEBOX_MCP_TRANSPORT: 'http', CODEBOX_MCP_PORT: '0', CODEBOX_MCP_TEMPLATE: 'base', CODEBOX_MCP_IDLE_TIMEOUT: '2.5', CODEBOX_MCP_TIMEOUT: '30', CODEBOX_MCP_LANGUAGES: 'bash, python' };
    expect(loadMcpConfig({}, env)).toMatchObject({ transport: 'http', port: 0, template: 'base', idleTimeoutMs: 2500, timeoutMs: 30_000, languages: ['bash', 'python'] });
    const flags = { template: 'mine', maxOutputChars: '8000', maxSessions: '3', apiUrl: 'http://runner:3000', apiKey: 'e2b_x' };
    expect(loadMcpConfig(flags, env)).toMatchObject({ template: 'mine', maxOutputChars: 8000, maxSessions: 3, apiUrl: 'http://runner:3000', apiKey: 'e2b_x' });
  });

  it('refuses values it cannot use, naming the flag or variable', () => {
    expect(() => loadMcpConfig({ idleTimeout: 'soon' }, {})).toThrow(/--idle-timeout must be a number/);
    expect(() => loadMcpConfig({}, { CODEBOX_MCP_MAX_SESSIONS: '0' })).toThrow(/CODEBOX_MCP_MAX_SESSIONS must be an integer of at least 1/);
    expect(() => loadMcpConfig({ port: '70000' }, {})).toThrow(/--port must be a port/);
    expect(() => loadMcpConfig({ languages: 'python,cobol' }, {})).toThrow(/--languages must list some of/);
    expect(() => loadMcpConfig({}, { CODEBOX_MCP_TRANSPORT: 'sse' })).toThrow(McpConfigError);
  });

  it('serves HTTP off loopback only with a bearer token', () => {
    expect(() => loadMcpConfig({ http: true, host: '0.0.0.0' }, {})).toThrow(/needs a bearer token/);
    expect(loadMcpConfig({ http: true, host: '0.0.0.0', token: 't0ken' }, {})).toMatchObject({ host: '0.0.0.0', authToken: 't0ken' });
    expect(loadMcpConfig({ http: true, host: '::1' }, {}).authToken).toBeUndefined();
  });
});
