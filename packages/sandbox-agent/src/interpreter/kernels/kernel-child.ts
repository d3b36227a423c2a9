import type { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';

/**
 * A running bridge process as `KernelProcess` and the wires use it: a spawned `ChildProcess`, or
 * a kernel forked by the Python zygote (`ForkedKernel`). It emits `exit` (code, signal) when the
 * process ended, `close` once also its streams did, and `error` when it could not be spawned.
 */
export interface KernelChild extends EventEmitter {
  /** Leader of its own process group: `-pid` reaches everything it started. */
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** stdin, stdout, stderr, then the extra pipes (fd 3, …). */
  readonly stdio: readonly (Readable | Writable | null | undefined)[];
}
