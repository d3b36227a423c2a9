/**
 * Counts a sandbox's user-port exchanges in flight (HTTP requests and WebSocket tunnels), so one
 * client cannot hold more of the sandbox agent's connections than `limit`.
 */
export class PortSlots {
  readonly #open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** A release function, or undefined when the sandbox is at its limit. Releasing twice counts once. */
  acquire(sandboxId: string): (() => void) | undefined {
    const open = this.#open.get(sandboxId) ?? 0;
    if (open >= this.limit) return undefined;
    this.#open.set(sandboxId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#open.get(sandboxId) ?? 1) - 1;
      if (left > 0) this.#open.set(sandboxId, left);
      else this.#open.delete(sandboxId);
    };
  }

  inFlight(sandboxId: string): number {
    return this.#open.get(sandboxId) ?? 0;
  }
}
