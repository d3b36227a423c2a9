/**
 * Milliseconds per named step of a longer operation (a create), for its log line: where a slow
 * create spent its time is then in the log, not a guess.
 */
export class PhaseTimer {
  #last = performance.now();
  readonly #phases: Record<string, number> = {};

  /** Ends the step `name` now (the time since the previous mark, or since construction). */
  mark(name: string): void {
    const now = performance.now();
    this.#phases[name] = Math.round((now - this.#last) * 10) / 10 + (this.#phases[name] ?? 0);
    this.#last = now;
  }

  get phases(): Readonly<Record<string, number>> {
    return { ...this.#phases };
  }
}
