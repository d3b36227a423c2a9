import { SandboxSessions, Sandbox, type CodeboxToolSettings } from '@codebox/core-client';
import type { McpServeConfig } from './mcp-config.js';

/** The sessions of a served MCP endpoint: one sandbox per MCP session, from the configured runner and template. */
export function sessionsFor(config: McpServeConfig, maxSessions: number): SandboxSessions<Sandbox> {
  return new SandboxSessions<Sandbox>({
    template: config.template,
    idleTimeoutMs: config.idleTimeoutMs,
    maxSessions,
    sandboxOpts: {
      metadata: { from: 'codebox-mcp' },
      ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}),
      ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    },
  });
}

/** The tools' settings from the configuration. */
export function toolSettingsOf(config: McpServeConfig): CodeboxToolSettings {
  return {
    ...(config.timeoutMs === undefined ? {} : { timeoutMs: config.timeoutMs }),
    ...(config.maxOutputChars === undefined ? {} : { maxOutputChars: config.maxOutputChars }),
    ...(config.languages ? { languages: config.languages } : {}),
  };
}
