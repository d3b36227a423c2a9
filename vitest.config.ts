import { defineConfig } from 'vitest/config';
import { RUNSC_EXCLUDED_FILES } from './test/support/runsc-exclusions.js';

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
          include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'test/agent-tools/**/*.test.ts', 'test/repo/**/*.test.ts', 'test/e2b-suites/**/*.test.ts', 'bench/**/*.test.ts'],
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
        // The conformance (hostile included) suites again with every sandbox under gVisor: the runners
        // test/support starts inherit CODEBOX_RUNTIME. Every conformance file runs here by default; a file
        // is left out only by RUNSC_EXCLUDED_FILES and a single test only by runscExclusion(reason),
        // both in test/support/runsc-exclusions.ts with the measured reason. Scenarios run through the official
        // SDK only here (test/conformance/clients.ts). The fuzz stage (test/fuzz) is not run here: its budget is
        // fixed wall time (70 s, 72 s measured), and all but its gateway property stop at the runner's edge, which is
        // the same process on either runtime.
        test: {
          name: 'integration-runsc',
          include: ['test/conformance/*.integration.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', ...Object.keys(RUNSC_EXCLUDED_FILES).map((file) => `test/conformance/${file}`)],
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
