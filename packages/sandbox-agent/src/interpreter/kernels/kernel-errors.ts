import type { KernelLanguage } from '../kernel.js';

/**
 * The kernel process ended during an execution (killed for memory, crashed, or stopped because
 * it ignored an interrupt). The kernel was restarted before this was thrown, so the context is
 * usable again, but everything defined in it is gone.
 */
export class KernelDiedError extends Error {
  override readonly name = 'KernelDiedError';

  constructor(
    readonly language: KernelLanguage,
    readonly reason: string,
  ) {
    super(`the ${language} kernel ${reason}; it was restarted, so variables, imports and functions defined before are gone; run the setup code again`);
  }
}

/** A kernel could not be started: its runtime is missing, its bridge crashed, or it timed out. */
export class KernelStartError extends Error {
  override readonly name = 'KernelStartError';

  constructor(
    readonly language: KernelLanguage,
    readonly reason: string,
  ) {
    super(`the ${language} kernel did not start: ${reason}`);
  }
}
