import type { CodeLanguage, ContextBody } from '@codebox/protocol';
import type { ExecuteOutcome, ExecuteRequest, ExecutionSink, Kernel } from './kernel.js';

/**
 * One code context: a kernel with its own state and working directory. Everything that touches
 * the kernel (executions, restart, removal) runs one at a time, in arrival order, so a restart
 * never cuts into a cell and two cells never interleave; different contexts run concurrently.
 */
export class CodeContext {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly language: CodeLanguage,
    readonly cwd: string,
    readonly kernel: Kernel,
  ) {}

  toJSON(): ContextBody {
    return { id: this.id, language: this.language, cwd: this.cwd };
  }

  /**
   * Runs the code when its turn comes; a request whose caller has gone by then (its signal
   * aborted while queued) is not run at all and rejects with the signal's reason.
   */
  execute(request: ExecuteRequest, sink: ExecutionSink): Promise<ExecuteOutcome> {
    return this.serialised(() => {
      request.signal.throwIfAborted();
      return this.kernel.execute(request, sink);
    });
  }

  restart(): Promise<void> {
    return this.serialised(() => this.kernel.restart());
  }

  /**
   * Stops the kernel at once (a running cell ends with an error), without waiting for queued
   * cells: removal and agent shutdown must not hang behind a long execution.
   */
  shutdown(): Promise<void> {
    return this.kernel.shutdown();
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
