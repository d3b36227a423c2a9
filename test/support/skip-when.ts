import type { TestOptions } from 'vitest';
import type { SkipReason } from './skip-allow-list.js';

/** Test options that skip the test when `condition` holds, naming its listed reason (skip-allow-list.ts). */
export function skipWhen(condition: boolean, reason: SkipReason): TestOptions {
  return { skip: condition, meta: { skipReason: reason } };
}
