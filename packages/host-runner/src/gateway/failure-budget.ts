/**
 * A token bucket per client address for requests that failed in a way that cost the runner work
 * (a signed URL that matched no sandbox: a scan over every candidate). Successes are free, so a
 * client using real URLs is never slowed; one sending forged ones gets `burst` tries, then
 * `perSecond`. Addresses are forgotten oldest first past `maxClients`, so the table is bounded.
 */
export interface FailureBudgetOptions {
  burst: number;
  perSecond: number;
  maxClients?: number;
  now?: () => number;
}

export class FailureBudget {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(options: FailureBudgetOptions) {
    this.#burst = options.burst;
    this.#perMs = options.perSecond / 1000;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Whether `client` may still fail; call before the costly work. */
  allows(client: string): boolean {
    return this.#refilled(client).tokens >= 1;
  }

  /** Charges one failure to `client`. */
  charge(client: string): void {
    const bucket = this.#refilled(client);
    bucket.tokens = Math.max(0, bucket.tokens - 1);
    // Re-inserted: Map order is then least recently charged first, which is what gets evicted.
    this.#buckets.delete(client);
    this.#buckets.set(client, bucket);
    while (this.#buckets.size > this.#maxClients) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) break;
      this.#buckets.delete(oldest);
    }
  }

  #refilled(client: string): { tokens: number; at: number } {
    const now = this.#now();
    const bucket = this.#buckets.get(client);
    if (!bucket) return { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perMs);
    bucket.at = now;
    return bucket;
  }
}
