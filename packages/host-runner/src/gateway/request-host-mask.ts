import { isUserPort } from '@codebox/protocol';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';

/**
 * The Host header a user's server sees when the sandbox was created with E2B's
 * `maskRequestHost` (`${PORT}` becomes the port asked for); undefined to keep the caller's Host.
 * envd and the interpreter keep theirs: the mask is for the user's servers only.
 */
export function maskedHost(record: Pick<SandboxRecord, 'network'>, port: number): string | undefined {
  const mask = record.network?.maskRequestHost;
  if (mask === undefined || !isUserPort(port)) return undefined;
  return mask.replaceAll('${PORT}', String(port));
}
