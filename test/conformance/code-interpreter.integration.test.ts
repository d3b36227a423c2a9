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

// What only a sandbox of its own shows: env vars given at create. E2B's server sets them in Java as
// system properties (and its tests read them with System.getProperty), as well as in the environment.
describe.each(interpreterClients)('sandbox env vars in Java through $name', ({ module }) => {
  it('reads them through System.getProperty and System.getenv; an execution\'s envs win for that execution only', async () => {
    const sandbox = (await module.Sandbox.create('code-interpreter-v1', { envs: { TEST_ENV_VAR: 'supertest' } })) as unknown as Sandbox;
    try {
      const read = 'System.getProperty("TEST_ENV_VAR") + "/" + System.getenv("TEST_ENV_VAR")';
      expect((await sandbox.runCode(read, { language: 'java' })).text).toBe('supertest/supertest');
      expect((await sandbox.runCode(read, { language: 'java', envs: { TEST_ENV_VAR: 'overwrite' } })).text).toBe('overwrite/overwrite');
      expect((await sandbox.runCode(read, { language: 'java' })).text).toBe('supertest/supertest');
    } finally {
      await sandbox.kill();
    }
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

// A number for docs/languages.md, not a bound: what extracting the chart adds to a plot's runCode.
describe('chart extraction cost', () => {
  it('measures a line plot\'s runCode with and without the e2b/chart format (p50 of 20 each)', async () => {
    const { Sandbox: CodeboxSandbox } = codeboxClient.module;
    const sandbox = await CodeboxSandbox.create('code-interpreter-v1');
    try {
      const plot = 'import numpy as np\nimport matplotlib.pyplot as plt\nx = np.linspace(0, 10, 1000)\nplt.figure()\nplt.plot(x, np.sin(x), label="sin")\nplt.plot(x, np.cos(x), label="cos")\nplt.title("t")\nplt.show()';
      const chart = (on: boolean) => `get_ipython().display_formatter.formatters["e2b/chart"].enabled = ${on ? 'True' : 'False'}`;
      const timed = async (on: boolean): Promise<number> => {
        await sandbox.runCode(chart(on));
        const started = performance.now();
        const execution = await sandbox.runCode(plot);
        expect(Boolean(execution.results[0]?.chart)).toBe(on);
        return performance.now() - started;
      };
      for (let i = 0; i < 3; i++) await timed(true); // warm: imports, font cache
      // Alternating, so the load of this shared machine drifts over both alike.
      const without: number[] = [];
      const withChart: number[] = [];
      for (let i = 0; i < 20; i++) {
        without.push(await timed(false));
        withChart.push(await timed(true));
      }
      console.log(
        `chart extraction: line plot (2 x 1000 points) runCode p50 ${median(withChart).toFixed(1)} ms with e2b/chart, ` +
          `${median(without).toFixed(1)} ms without: ${(median(withChart) - median(without)).toFixed(1)} ms added`,
      );
    } finally {
      await sandbox.kill();
    }
  });
});

// E2B's server is Python: a chart's ticks at 1.0 reach its Python SDK as floats (its chart tests
// check `isinstance(tick, float)`). JS clients cannot tell 1.0 from 1, so this reads the wire.
describe('chart numbers on the wire', () => {
  it('keeps the kernel’s float spelling (1.0, not 1) in e2b/chart', async () => {
    const sandbox = await codeboxClient.module.Sandbox.create('code-interpreter-v1');
    try {
      const token = (sandbox as unknown as { envdAccessToken?: string }).envdAccessToken;
      const answer = await fetch(`${process.env.E2B_SANDBOX_URL ?? ''}/execute`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'E2b-Sandbox-Id': sandbox.sandboxId,
          'E2b-Sandbox-Port': '49999',
          ...(token ? { 'X-Access-Token': token } : {}),
        },
        body: JSON.stringify({ code: 'import matplotlib.pyplot as plt\nplt.plot([0.0, 1.0, 2.0], [1.0, 2.0, 3.0])\nplt.show()' }),
      });
      const text = await answer.text();
      const chart = /"chart":(\{.*?"elements".*?\})[,}]/s.exec(text)?.[1] ?? '';
      expect(chart).toMatch(/"x_ticks":\[[^\]]*\b1\.0\b/);
      expect(chart).not.toMatch(/"x_ticks":\[[^\]]*[[,]1[,\]]/);
    } finally {
      await sandbox.kill();
    }
  });
});
