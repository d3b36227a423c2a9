import { SandboxError, SandboxNotFoundError } from '../errors.js';

/**
 * The `/execute` response body failed while it was being read: the connection to the sandbox
 * broke mid-execution (fetch says no more than `TypeError: terminated`). Thrown by the body
 * reader only, so it is told apart from a callback's own error.
 */
export class ExecuteStreamBroken extends Error {
  override readonly name = 'ExecuteStreamBroken';
}

/**
 * What a broken `/execute` stream means for the caller, decided with a health probe (as the
 * SDK checks whether a sandbox still runs): a sandbox that no longer answers was killed or
 * expired; one that does (or cannot be asked) had just this connection break.
 */
export async function brokenStreamError(broken: ExecuteStreamBroken, isRunning: () => Promise<boolean>): Promise<SandboxError> {
  const running = await isRunning().catch(() => true);
  if (!running) {
    const error = new SandboxNotFoundError('the sandbox was killed or expired during the execution');
    error.cause = broken.cause;
    return error;
  }
  return new SandboxError(`the code interpreter's /execute response stream broke during the execution: ${String(broken.cause)}`, { cause: broken.cause });
}
