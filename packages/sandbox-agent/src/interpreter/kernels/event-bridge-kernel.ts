import type { KernelLanguage, KernelOptions, OutputFraming } from '../kernel.js';
import type { KernelHost } from '../kernel-factories.js';
import { EventWire, type EventChannel, type EventInterrupt } from './event-wire.js';
import type { KernelChild } from './kernel-child.js';
import { KernelProcess } from './kernel-process.js';
import type { KernelWire } from './kernel-wire.js';

/** How one language's event bridge is started and interrupted. */
export interface EventBridgeSpec {
  readonly language: KernelLanguage;
  /** The bridge program, run in the context's cwd with the kernel's environment. */
  readonly command: { readonly cmd: string; readonly args: readonly string[] };
  readonly channel: EventChannel;
  readonly interrupt: EventInterrupt;
  readonly startTimeoutMs: number;
  /** Default `lines` (see `OutputFraming`). */
  readonly outputFraming?: OutputFraming;
  /**
   * Starts the bridge another way than running `command` (Python: forked by its zygote), or by
   * calling `direct`, which runs `command` as without this hook.
   */
  readonly spawn?: (direct: () => KernelChild | Promise<KernelChild>) => KernelChild | Promise<KernelChild>;
}

/** After an interrupt, how long the code may take to stop before the kernel is restarted. */
const INTERRUPT_GRACE_MS = 3_000;

/**
 * A kernel behind an event bridge (Python, R, Java; see `EventWire`): commands on stdin, ordered
 * events back. The other kind is `FencedBridgeKernel` (Bash, JavaScript). The bridge owns the
 * language's semantics; `KernelProcess` owns the process.
 */
export class EventBridgeKernel extends KernelProcess {
  readonly language: KernelLanguage;
  readonly outputFraming: OutputFraming;
  private readonly eventWire: EventWire;

  constructor(
    private readonly spec: EventBridgeSpec,
    host: KernelHost,
    options: KernelOptions,
  ) {
    super(host, options, { startTimeoutMs: spec.startTimeoutMs, interruptGraceMs: INTERRUPT_GRACE_MS });
    this.language = spec.language;
    this.outputFraming = spec.outputFraming ?? 'lines';
    this.eventWire = new EventWire(spec.channel, spec.interrupt);
  }

  protected command(): EventBridgeSpec['command'] {
    return this.spec.command;
  }

  protected override spawn(extraPipes: number): KernelChild | Promise<KernelChild> {
    return this.spec.spawn ? this.spec.spawn(() => super.spawn(extraPipes)) : super.spawn(extraPipes);
  }

  protected wire(): KernelWire {
    return this.eventWire;
  }
}
