import { systemClock, type Clock, type ClockTimer } from './clock.js';

/**
 * One timer per sandbox, firing at its deadline. Node clamps delays above 2^31-1 ms
 * (≈24.8 days) to 1 ms, so long waits are chained; the 24 h lifetime cap keeps that rare.
 */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export class ExpiryScheduler {
  readonly #timers = new Map<string, ClockTimer>();

  constructor(
    private readonly onExpired: (sandboxId: string) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  schedule(sandboxId: string, deadline: Date): void {
    this.cancel(sandboxId);
    const delay = deadline.getTime() - this.clock.now();
    if (delay <= 0) {
      // Still async, so callers never re-enter the lifecycle from inside schedule().
      this.#arm(sandboxId, 0, deadline);
      return;
    }
    this.#arm(sandboxId, Math.min(delay, MAX_TIMER_DELAY_MS), deadline);
  }

  cancel(sandboxId: string): void {
    const timer = this.#timers.get(sandboxId);
    if (timer) this.clock.clearTimeout(timer);
    this.#timers.delete(sandboxId);
  }

  cancelAll(): void {
    for (const timer of this.#timers.values()) this.clock.clearTimeout(timer);
    this.#timers.clear();
  }

  /** Sandboxes with a timer armed (for tests and diagnostics). */
  get size(): number {
    return this.#timers.size;
  }

  #arm(sandboxId: string, delay: number, deadline: Date): void {
    const timer = this.clock.setTimeout(() => {
      this.#timers.delete(sandboxId);
      // A chained long wait, or a clock that runs behind the timer: not due yet, wait again.
      if (deadline.getTime() > this.clock.now()) {
        this.schedule(sandboxId, deadline);
        return;
      }
      this.onExpired(sandboxId);
    }, delay);
    // An expiry timer alone must not keep the process alive (e.g. after shutdown).
    timer.unref();
    this.#timers.set(sandboxId, timer);
  }
}
