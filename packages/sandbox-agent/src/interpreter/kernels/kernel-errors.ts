import { KERNEL_ERROR_NAMES } from '@codebox/protocol';
import type { KernelLanguage } from '../kernel.js';
import { mib } from '../../memory/memory-units.js';
import type { OomVerdict } from '../memory/kernel-memory.js';

/** Every error that means the kernel failed rather than the code; its `name` is the wire's (`KERNEL_ERROR_NAMES`). */
export abstract class KernelError extends Error {
  abstract override readonly name: string;
}

/**
 * The kernel process ended during an execution or since the previous one (killed, crashed, or
 * stopped because it ignored an interrupt). Everything defined in the context is gone; the next
 * execution starts a fresh kernel.
 */
export class KernelDiedError extends KernelError {
  override readonly name: string = KERNEL_ERROR_NAMES.died;

  constructor(
    readonly language: KernelLanguage,
    readonly reason: string,
    message = `the ${language} kernel ${reason}; its state is lost (variables, imports and functions defined before are gone): the next execution starts a fresh kernel, so run the setup code again`,
  ) {
    super(message);
  }
}

/**
 * The kernel was killed by the OOM killer: the sandbox reached its memory limit. Says the limit
 * and which kernels held how much, so the caller knows what to free.
 */
export class KernelOutOfMemoryError extends KernelDiedError {
  override readonly name: string = KERNEL_ERROR_NAMES.outOfMemory;

  constructor(
    language: KernelLanguage,
    readonly contextLabel: string,
    readonly verdict: OomVerdict,
    when: 'during this execution' | 'while idle' | 'while starting',
  ) {
    const limit = verdict.limitBytes === undefined ? 'its memory limit' : `its ${mib(verdict.limitBytes)} memory limit`;
    const held = verdict.holdings.map(({ label, rssBytes }) => `${label} held ${mib(rssBytes)}`).join(', ');
    super(
      language,
      `was killed ${when} because the sandbox ran out of memory`,
      `out of memory: the ${contextLabel} kernel was killed ${when} by the OOM killer because the sandbox reached ${limit}` +
        `${held ? ` (kernels: ${held}; ${contextLabel} estimated at its death)` : ''}. Its state is lost; the next execution starts a fresh kernel. ` +
        'Free memory (delete contexts you do not need, keep less data) or create the sandbox with more memory.',
    );
  }
}

/**
 * The kernel was stopped while idle because the sandbox ran short of memory (`InterpreterService`
 * evicts the longest-idle kernels first). Told to the next execution in its context, which does
 * not run: the code would find its state gone. The one after starts a fresh kernel.
 */
export class KernelEvictedError extends KernelDiedError {
  override readonly name: string = KERNEL_ERROR_NAMES.evicted;

  constructor(language: KernelLanguage, contextLabel: string, why: string) {
    super(
      language,
      `was stopped while idle to free memory (${why})`,
      `the ${contextLabel} kernel was stopped while idle to free memory: ${why}. Its state is lost (variables, imports and functions defined before are gone) ` +
        'and this code did not run; run the setup code again: the next execution starts a fresh kernel. Delete contexts you no longer need, or create the sandbox with more memory, to keep kernels alive.',
    );
  }
}

/** A kernel could not be started: its runtime is missing, its bridge crashed, or it timed out. */
export class KernelStartError extends KernelError {
  override readonly name: string = KERNEL_ERROR_NAMES.start;

  constructor(
    readonly language: KernelLanguage,
    readonly reason: string,
  ) {
    super(`the ${language} kernel did not start: ${reason}`);
  }
}

/**
 * The kernel died or failed to start too often within a short window, so the context stopped
 * starting it (no restart loop, whatever callers do). Every execution fails fast with this until
 * the context is restarted or deleted.
 */
export class KernelCrashLoopError extends KernelError {
  override readonly name: string = KERNEL_ERROR_NAMES.crashLoop;

  constructor(
    readonly language: KernelLanguage,
    readonly failures: number,
    readonly windowMs: number,
    readonly lastReason: string,
  ) {
    super(
      `the ${language} kernel failed ${failures} times within ${windowMs / 1000} s, so this context stopped starting it; ` +
        `the last failure: ${lastReason}. Restart the context (POST /contexts/{id}/restart, restartCodeContext) to try again, or delete it.`,
    );
  }
}
