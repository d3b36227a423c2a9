import * as e2b from 'e2b';
import * as codebox from '@codebox/core-client';

/**
 * The two clients every conformance scenario runs through: the official `e2b` SDK, unmodified,
 * and ours. Both are pointed at the same runner; E2B's by the environment variables its docs
 * name, ours by its own.
 */
export type ClientName = 'e2b' | 'codebox';

export const clients: ReadonlyArray<{ name: ClientName; module: typeof codebox }> = [
  // Typed as ours so one scenario serves both: the two modules expose the same public API, but
  // TypeScript compares classes with private members nominally, so it cannot see that.
  { name: 'e2b', module: e2b as unknown as typeof codebox },
  { name: 'codebox', module: codebox },
];

export function pointClientsAt(url: string, apiKey: string): void {
  process.env.E2B_API_URL = url;
  process.env.E2B_SANDBOX_URL = url;
  process.env.E2B_API_KEY = apiKey;
  process.env.CODEBOX_API_URL = url;
  process.env.CODEBOX_API_KEY = apiKey;
}
