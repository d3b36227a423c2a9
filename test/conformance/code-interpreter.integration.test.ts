import { describe, expect, it } from 'vitest';
import type { Sandbox } from '@codebox/core-client';
import { describeInterpreterScenarios, type CodeSandbox } from '../support/interpreter-scenarios.js';
import { useRunner } from '../support/use-runner.js';
import { codeboxClient } from './clients.js';
import { interpreterClients } from './interpreter-clients.js';

// The interpreter scenarios (test/support/interpreter-scenarios.ts) through the runner and the
// code-interpreter-v1 template, every language it serves, on runc and (integration-runsc) runsc.
// Eleven kernels at once (the default ones plus ten contexts) need about 450 MiB next to the
// agent; 1 GiB keeps the concurrency case about output isolation rather than the 512 MiB default's
// OOM behaviour, which hostile-workloads.integration.test.ts covers.
useRunner({ env: { CODEBOX_SANDBOX_MEMORY_MIB: '1024' } });

describeInterpreterScenarios({
  clients: interpreterClients.map(({ name, module }) => ({
    name,
    open: async () => (await module.Sandbox.create('code-interpreter-v1')) as unknown as CodeSandbox,
    close: async (sandbox) => {
      await (sandbox as unknown as Sandbox).kill();
    },
    TimeoutError: module.TimeoutError,
  })),
  languages: ['python', 'javascript', 'typescript', 'r', 'java', 'bash'],
  // Python only: ten JVMs or R processes would not fit the 1 GiB above; the agent-level files mix languages.
  concurrentLanguages: ['python'],
});

// Only the runner can hand out many sandboxes: each caller gets only its own sandbox's output.
describe('ten sandboxes at once', () => {
  it('gives each caller only its own output', async () => {
    const { Sandbox: CodeboxSandbox } = codeboxClient.module;
    const sandboxes = await Promise.all(Array.from({ length: 10 }, () => CodeboxSandbox.create('code-interpreter-v1')));
    try {
      const executions = await Promise.all(sandboxes.map((s, i) => s.runCode(`print("sandbox-${i}")\n${i} * 2`)));
      executions.forEach((execution, i) => {
        expect(execution.logs.stdout.join('')).toBe(`sandbox-${i}\n`);
        expect(execution.text).toBe(String(i * 2));
      });
    } finally {
      await Promise.all(sandboxes.map((s) => s.kill()));
    }
  });
});
