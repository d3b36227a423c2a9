import type { KernelChild } from './kernel-child.js';
import type { Logger } from 'pino';
import type { ExecuteRequest, ExecutionSink } from '../kernel.js';

/** What a wire reports back to the `KernelProcess` that spawned its bridge. */
export interface BridgeEvents {
  readonly logger: Logger;
  /** The bridge said it can execute. */
  ready(): void;
  /**
   * The sink of the execution running on this bridge; undefined between executions and once the
   * bridge was replaced, so a dead bridge's last bytes never reach its successor's execution.
   */
  sink(): ExecutionSink | undefined;
  /** Execution `id` ended; `executionCount` when the bridge keeps its own counter. */
  finished(id: number, executionCount?: number): void;
  /** Execution `id` ended with a reply that could not be reported. */
  failed(id: number, error: Error): void;
}

/** One spawned bridge as its wire talks to it. */
export interface BridgeConnection {
  /** Asks the bridge to run execution `id`. */
  execute(id: number, request: ExecuteRequest): void;
  /** Asks the bridge to stop execution `id`, which is still running. */
  interrupt(id: number): void;
  /** The bridge ended during an execution: hands over any output still held back. */
  flush?(sink: ExecutionSink): void;
}

/**
 * How a kind of bridge is talked to: which descriptors it gets, how executions are requested,
 * interrupted and found finished. The process around it (start, one execution at a time,
 * restart after a death) is `KernelProcess`'s.
 */
export interface KernelWire {
  /** Pipes beyond stdio the bridge is given (fd 3 on). */
  readonly extraPipes: number;
  /** Binds to a freshly spawned bridge; throws if the child lacks the pipes it needs. */
  connect(child: KernelChild, events: BridgeEvents): BridgeConnection;
}
