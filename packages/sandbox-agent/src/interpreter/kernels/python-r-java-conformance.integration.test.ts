// The interpreter scenarios (test/support/interpreter-scenarios.ts) for Python, R and Java, through
// the official `@e2b/code-interpreter` SDK (debug mode: http://localhost:49999) and through our
// client, against the built agent running in the kernels' dev image (Debian 13 packages, hardened
// container, no network), so the kernels are reached through the real /execute path.
import { Sandbox as OfficialSandbox, TimeoutError as OfficialTimeoutError } from '@e2b/code-interpreter';
import { Sandbox as CodeboxSandbox, TimeoutError as CodeboxTimeoutError } from '@codebox/core-client';
import { CODE_INTERPRETER_PORT } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentDevContainer, type AgentDevContainer } from '../../testing/agent-dev-container.js';
import { requirePortFree } from '../../../../../test/support/test-prerequisites.js';
import { describeInterpreterScenarios, type CodeSandbox, type ScenarioClient } from '../../../../../test/support/interpreter-scenarios.js';
import { buildKernels } from '../../testing/interpreter-client.js';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe('python, r and java, agent in the dev image (official SDK and our client)', () => {
  let agent: AgentDevContainer;
  beforeAll(async () => {
    await requirePortFree(CODE_INTERPRETER_PORT, 'the official code-interpreter SDK in debug mode');
    buildKernels();
    agent = await startAgentDevContainer(CODE_INTERPRETER_PORT, '2g');
  }, 900_000);
  afterAll(() => agent?.close());

  const official: ScenarioClient = {
    name: '@e2b/code-interpreter',
    open: async () => (await OfficialSandbox.create({ debug: true })) as unknown as CodeSandbox,
    TimeoutError: OfficialTimeoutError,
  };
  const ours: ScenarioClient = {
    name: '@codebox/core-client',
    open: async () => (await CodeboxSandbox.create({ debug: true, sandboxUrl: `http://127.0.0.1:${CODE_INTERPRETER_PORT}` })) as unknown as CodeSandbox,
    TimeoutError: CodeboxTimeoutError,
  };

  // Specific to this setup: the container has just started, so this is the cold first call.
  it('answers the first python runCode soon after the container starts, and measures it', async () => {
    const sandbox = await official.open();
    const started = performance.now();
    expect((await sandbox.runCode('1+1')).text).toBe('2');
    const firstMs = performance.now() - started;
    const officialMs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await sandbox.runCode('1+1');
      officialMs.push(performance.now() - t);
    }
    const ourSandbox = await ours.open();
    const codeboxMs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await ourSandbox.runCode('1+1');
      codeboxMs.push(performance.now() - t);
    }
    console.log(
      `agent in dev image: health after ${agent.startMs} ms, first python 1+1 after ${(agent.startMs + firstMs).toFixed(0)} ms from docker run; ` +
        `runCode("1+1") p50/p95 official ${percentile(officialMs, 50).toFixed(1)}/${percentile(officialMs, 95).toFixed(1)} ms, ` +
        `ours ${percentile(codeboxMs, 50).toFixed(1)}/${percentile(codeboxMs, 95).toFixed(1)} ms; container memory ${agent.memoryMiB().toFixed(1)} MiB`,
    );
    expect(firstMs).toBeLessThan(5_000);
  });

  describeInterpreterScenarios({ clients: [official, ours], languages: ['python', 'r', 'java'], concurrentLanguages: ['python', 'r'] });
});
