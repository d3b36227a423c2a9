import { Code } from '@connectrpc/connect';
import { AgentError } from '../errors.js';

const MiB = 1024 * 1024;
/**
 * Memory each context is budgeted when the cap is derived from the sandbox's limit. An idle
 * IPython kernel holds about 45 MiB, a JVM about 100 MiB, Node about 40 MiB, so more contexts than
 * limit/32 MiB can never all hold a kernel at once; the cap stops a caller from piling up more.
 */
const MIB_PER_CONTEXT = 32;
const MIN_CONTEXTS = 4;
const MAX_CONTEXTS = 64;
/** When the memory limit cannot be read (an agent outside a container). */
const DEFAULT_CONTEXTS = 16;

/**
 * The default cap on code contexts per sandbox, from its memory limit: 16 at the default 512 MiB,
 * 32 at 1 GiB, never fewer than 4 (one per language of a normal session) nor more than 64.
 */
export function defaultContextLimit(memoryLimitBytes: number | undefined): number {
  if (memoryLimitBytes === undefined) return DEFAULT_CONTEXTS;
  return Math.min(MAX_CONTEXTS, Math.max(MIN_CONTEXTS, Math.floor(memoryLimitBytes / MiB / MIB_PER_CONTEXT)));
}

/**
 * `POST /contexts` (or a first use of a language) past the sandbox's cap. Answered as 429 with
 * the limit in the reason phrase and the plain-text body, since the official SDK shows only
 * `<status> <reason>`.
 */
export class ContextLimitError extends AgentError {
  override readonly name = 'ContextLimitError';
  readonly code = Code.ResourceExhausted;

  constructor(readonly limit: number) {
    super(
      `this sandbox already has its limit of ${limit} code contexts; delete one you no longer need (DELETE /contexts/{id}, removeCodeContext) before creating another`,
    );
  }

  /** The HTTP reason phrase: a token-safe summary the official SDK puts in its error message. */
  get reasonPhrase(): string {
    return `Too Many Code Contexts (limit ${this.limit})`;
  }
}
