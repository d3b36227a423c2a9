import { KERNEL_ERROR_NAMES } from '@codebox/protocol';
import { SandboxError } from '../errors.js';
import { ExecutionError } from './execution.js';

/**
 * An execution's error that comes from the kernel, not the code: `execution.error` is one of
 * these subclasses (still an `ExecutionError`, with the same `name`, `value` and `traceback` the
 * official SDK shows), so callers can branch with `instanceof`.
 */
export class KernelError extends ExecutionError {}

/** The kernel process ended during this execution or since the previous one; its state is lost and the next execution starts a fresh kernel. */
export class KernelDiedError extends KernelError {}

/** The kernel was killed by the OOM killer at the sandbox's memory limit; `value` says which kernels held how much. */
export class KernelOutOfMemoryError extends KernelDiedError {}

/** The kernel was stopped while idle to free memory for the sandbox's other contexts; `value` says when and why. This call did not run. */
export class KernelEvictedError extends KernelDiedError {}

/** The kernel could not be started. */
export class KernelStartError extends KernelError {}

/** The kernel failed too often in a short time: the context gave up, and every execution fails fast until the context is restarted or removed. */
export class KernelCrashLoopError extends KernelError {}

const KERNEL_ERRORS: Readonly<Record<string, typeof KernelError>> = {
  [KERNEL_ERROR_NAMES.died]: KernelDiedError,
  [KERNEL_ERROR_NAMES.outOfMemory]: KernelOutOfMemoryError,
  [KERNEL_ERROR_NAMES.start]: KernelStartError,
  [KERNEL_ERROR_NAMES.crashLoop]: KernelCrashLoopError,
  [KERNEL_ERROR_NAMES.evicted]: KernelEvictedError,
};

/** The `ExecutionError` for an `/execute` error line: a typed `KernelError` for the kernel's own failures. */
export function executionErrorOf(name: string, value: string, traceback: string): ExecutionError {
  const KernelClass = KERNEL_ERRORS[name];
  return KernelClass ? new KernelClass(name, value, traceback) : new ExecutionError(name, value, traceback);
}

/** `createCodeContext` past the sandbox's cap on code contexts (HTTP 429); the message names the limit. */
export class CodeContextLimitError extends SandboxError {
  constructor(message: string) {
    super(message);
    this.name = 'CodeContextLimitError';
    this.statusCode = 429;
  }
}
