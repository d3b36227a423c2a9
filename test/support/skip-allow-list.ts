// Every skip CI accepts, each with its reason. A test skips only through `skipWhen` (skip-when.ts, or a
// wrapper of it such as `runscExclusion`), which names its reason in the test's meta; the skip-check
// reporter (test/support/skip-check-reporter.ts) fails the run on any other skipped test, so a
// green CI means every test that could run did.
import { RUNSC_EXCLUSIONS } from './runsc-exclusions.js';

declare module 'vitest' {
  interface TaskMeta {
    /** Why this test may be skipped: a key of SKIP_ALLOW_LIST. */
    skipReason?: string;
  }
}

export const SKIP_ALLOW_LIST = {
  ...RUNSC_EXCLUSIONS,
} as const satisfies Record<string, string>;

export type SkipReason = keyof typeof SKIP_ALLOW_LIST;
