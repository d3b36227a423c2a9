import type { ExecutionSink, KernelOptions } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { FencedWire, type BridgeMessage } from './fenced-wire.js';
import { KernelProcess } from './kernel-process.js';
import type { KernelWire } from './kernel-wire.js';

/** How long a bridge may take to say `ready`. */
const START_TIMEOUT_MS = 15_000;
/** How long an interrupted cell may take to stop before its kernel is killed and restarted. */
const INTERRUPT_GRACE_MS = 2_000;

/**
 * A kernel whose bridge runs cells in-process and keeps their state, talked to over a fenced
 * wire (see `FencedWire`): requests and replies on fd 3, user output straight on stdout/stderr.
 * Subclasses (Bash, JavaScript) say how a cell is asked for and how its reply reads. The other
 * kind is `EventBridgeKernel` (Python, R, Java).
 */
export abstract class FencedBridgeKernel extends KernelProcess {
  private readonly fencedWire = new FencedWire({
    encodeRequest: (nonce, code, envVars) => this.encodeRequest(nonce, code, envVars),
    reportDone: (message, sink) => this.reportDone(message, sink),
  });

  constructor(host: KernelHost, options: KernelOptions) {
    super(host, options, { startTimeoutMs: START_TIMEOUT_MS, interruptGraceMs: INTERRUPT_GRACE_MS });
  }

  /** The bytes on fd 3 that ask the bridge to run a cell. */
  protected abstract encodeRequest(nonce: string, code: string, envVars: Readonly<Record<string, string>>): Buffer;
  /** Reports a `done` reply's results and error into the sink. */
  protected abstract reportDone(message: BridgeMessage, sink: ExecutionSink): void;

  protected wire(): KernelWire {
    return this.fencedWire;
  }
}
