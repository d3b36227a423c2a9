// The interpreter scenarios (test/support/interpreter-scenarios.ts) for bash, JavaScript and
// TypeScript, the languages the agent serves from the checkout without the dev image, through the
// official `@e2b/code-interpreter` SDK (debug mode: it talks to http://localhost:49999, where this
// test runs the agent) and through our own client, against a real agent with real kernels.
import { Sandbox as OfficialSandbox, TimeoutError as OfficialTimeoutError } from '@e2b/code-interpreter';
import { Sandbox as CodeboxSandbox, TimeoutError as CodeboxTimeoutError } from '@codebox/core-client';
import { CODE_INTERPRETER_PORT } from '@codebox/protocol';
import { afterAll, beforeAll, describe } from 'vitest';
import { type AgentFixture } from '../testing/agent-fixture.js';
import { requirePortFree } from '../../../../test/support/test-prerequisites.js';
import { describeInterpreterScenarios, type CodeSandbox } from '../../../../test/support/interpreter-scenarios.js';
import { buildKernels, startInterpreterAgent } from '../testing/interpreter-client.js';

describe('code interpreter conformance, agent on loopback (official SDK and our client)', () => {
  let fx: AgentFixture;
  beforeAll(async () => {
    await requirePortFree(CODE_INTERPRETER_PORT, 'the official code-interpreter SDK in debug mode');
    buildKernels();
    fx = await startInterpreterAgent({}, { listen: { host: '127.0.0.1', port: CODE_INTERPRETER_PORT } });
  }, 120_000);
  afterAll(() => fx?.close());

  describeInterpreterScenarios({
    clients: [
      { name: '@e2b/code-interpreter', open: async () => (await OfficialSandbox.create({ debug: true })) as unknown as CodeSandbox, TimeoutError: OfficialTimeoutError },
      {
        name: '@codebox/core-client',
        open: async () => (await CodeboxSandbox.create({ debug: true, sandboxUrl: `http://127.0.0.1:${CODE_INTERPRETER_PORT}` })) as unknown as CodeSandbox,
        TimeoutError: CodeboxTimeoutError,
      },
    ],
    languages: ['bash', 'javascript', 'typescript'],
    concurrentLanguages: ['bash', 'javascript'],
  });
});
