import * as e2b from 'e2b';
import * as codebox from '@codebox/core-client';
import { UNDER_RUNSC } from '../support/runsc-exclusions.js';

/**
 * The two clients every conformance scenario runs through: the official `e2b` SDK, unmodified,
 * and ours. Both are pointed at the same runner; E2B's by the environment variables its docs
 * name, ours by its own.
 */
export type ClientName = 'e2b' | 'codebox';

export interface ConformanceClient {
  readonly name: ClientName;
  readonly module: typeof codebox;
}

// Typed as ours so one scenario serves both: the two modules expose the same public API, but
// TypeScript compares classes with private members nominally, so it cannot see that.
export const e2bClient: ConformanceClient = { name: 'e2b', module: e2b as unknown as typeof codebox };
/** Ours, for what only it offers (e.g. `secure: false` without an access token). */
export const codeboxClient: ConformanceClient = { name: 'codebox', module: codebox };

/**
 * The clients a scenario is repeated through. Under runsc only the official SDK: what the two
 * clients send differs only on the wire to the runner and the agent, which run the same code on
 * either runtime and are compared under runc; what gVisor changes is the sandbox's kernel, which
 * one client reaches as well as two. This halves the runsc project's time (see vitest.config.ts).
 */
export const clients: ReadonlyArray<ConformanceClient> = UNDER_RUNSC ? [e2bClient] : [e2bClient, codeboxClient];

export function pointClientsAt(url: string, apiKey: string): void {
  process.env.E2B_API_URL = url;
  process.env.E2B_SANDBOX_URL = url;
  process.env.E2B_API_KEY = apiKey;
  process.env.CODEBOX_API_URL = url;
  process.env.CODEBOX_API_KEY = apiKey;
}
