import { defineConfig } from 'vitest/config';

// Two layers: unit tests beside the code, and integration tests (`*.integration.test.ts`)
// that hit a real dockerd, real containers and a real runner.
export default defineConfig({
  test: {
    // A skip is a failure unless test/support/skip-allow-list.ts lists its reason.
    reporters: ['default', './test/support/skip-check-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'test/agent-tools/**/*.test.ts', 'test/repo/**/*.test.ts'],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**', '**/dist/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['packages/*/src/**/*.integration.test.ts', 'test/**/*.integration.test.ts', 'examples/**/*.integration.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          globalSetup: ['test/support/templates-ready.ts'],
          testTimeout: 180_000,
          hookTimeout: 900_000,
          // Containers share a 2-core machine: run integration files one at a time.
          fileParallelism: false,
        },
      },
      {
        // The hostile (and, as verified, conformance) suites again with every sandbox under gVisor: the runners
        // test/support starts inherit CODEBOX_RUNTIME. test/support/runsc-exclusions.ts lists
        // what cannot pass there, with the reason.
        test: {
          name: 'integration-runsc',
          // Measured: the whole conformance suite under runsc takes 8.2 min here; the files below pass. The
          // others fail for gVisor differences listed, with the evidence, in RUNSC_EXCLUDED_FILES.
          include: [
            'test/conformance/hostile-workloads.integration.test.ts',
            'test/conformance/code-interpreter.integration.test.ts',
            'test/conformance/egress.integration.test.ts',
            'test/conformance/sandbox-lifecycle.integration.test.ts',
            'test/conformance/tenant-isolation.integration.test.ts',
          ],
          exclude: ['**/node_modules/**', '**/dist/**'],
          env: { CODEBOX_RUNTIME: 'runsc' },
          globalSetup: ['test/support/templates-ready.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
