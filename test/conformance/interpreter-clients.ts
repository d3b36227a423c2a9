import * as e2bInterpreter from '@e2b/code-interpreter';
import * as codebox from '@codebox/core-client';
import type { ClientName } from './clients.js';

/**
 * The code-interpreter scenarios run through the official `@e2b/code-interpreter` SDK,
 * unmodified (pointed at the runner by E2B_API_URL / E2B_SANDBOX_URL / E2B_API_KEY), and
 * through our client, whose one `Sandbox` class carries `runCode` too.
 */
export const interpreterClients: ReadonlyArray<{ name: ClientName; module: typeof codebox }> = [
  // Typed as ours so one scenario serves both (see clients.ts for why the cast is needed).
  { name: 'e2b', module: e2bInterpreter as unknown as typeof codebox },
  { name: 'codebox', module: codebox },
];
