import * as e2bInterpreter from '@e2b/code-interpreter';
import * as codebox from '@codebox/core-client';
import { UNDER_RUNSC } from '../support/runsc-exclusions.js';
import { codeboxClient, type ConformanceClient } from './clients.js';

/**
 * The code-interpreter scenarios run through the official `@e2b/code-interpreter` SDK,
 * unmodified (pointed at the runner by E2B_API_URL / E2B_SANDBOX_URL / E2B_API_KEY), and
 * through our client, whose one `Sandbox` class carries `runCode` too. Under runsc only the
 * official SDK, for the reason in clients.ts.
 */
// Typed as ours so one scenario serves both (see clients.ts for why the cast is needed).
const e2bInterpreterClient: ConformanceClient = { name: 'e2b', module: e2bInterpreter as unknown as typeof codebox };

export const interpreterClients: ReadonlyArray<ConformanceClient> = UNDER_RUNSC ? [e2bInterpreterClient] : [e2bInterpreterClient, codeboxClient];
