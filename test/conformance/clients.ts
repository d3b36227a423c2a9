import * as e2b from 'e2b';
import * as codebox from '@codebox/core-client';

/**
 * The two clients every conformance scenario runs through: the official `e2b` SDK, unmodified,
 * and ours. Both are pointed at the same runner; E2B's by the environment variables its docs
 * name, ours by its own.
 */
export type ClientName = 'e2b' | 'codebox';

export const clients = [
  { name: 'e2b' as const, module: e2b },
  { name: 'codebox' as const, module: codebox },
];

export type ClientModule = (typeof clients)[number]['module'];

export function pointClientsAt(url: string, apiKey: string): void {
  process.env.E2B_API_URL = url;
  process.env.E2B_SANDBOX_URL = url;
  process.env.E2B_API_KEY = apiKey;
  process.env.CODEBOX_API_URL = url;
  process.env.CODEBOX_API_KEY = apiKey;
}
