/**
 * The queue between one producer (a process's pipes, an inotify watch) and one stream
 * consumer. It counts what it holds in bytes so the producer can stop when it is full
 * (`full`) and go on when it has drained (`drained`); it never refuses a push itself, the
 * producer decides. `fail` drops what is queued and makes the consumer's next read throw.
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  private readonly items: { readonly value: T; readonly size: number }[] = [];
  private head = 0;
  private held = 0;
  private closed = false;
  private failure: Error | undefined;
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;

  /**
   * @param highWaterBytes at or above this the queue is `full`
   * @param lowWaterBytes at or below this it is `drained` (hysteresis, so the producer does
   *   not stop and start at every chunk)
   * @param onTake called after the consumer took an item, so the producer can resume
   */
  constructor(
    readonly highWaterBytes: number,
    readonly lowWaterBytes: number,
    private readonly onTake: () => void = () => undefined,
  ) {}

  get bytes(): number {
    return this.held;
  }

  get full(): boolean {
    return this.held >= this.highWaterBytes;
  }

  get drained(): boolean {
    return this.held <= this.lowWaterBytes;
  }

  get ended(): boolean {
    return this.closed || this.failure !== undefined;
  }

  push(value: T, size: number): void {
    if (this.ended) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter.resolve({ value, done: false });
      return;
    }
    this.items.push({ value, size });
    this.held += size;
  }

  /** No more items; the consumer still gets what is queued, unless `discard` drops it. */
  close(discard = false): void {
    if (discard) {
      this.items.length = 0;
      this.head = 0;
      this.held = 0;
    }
    if (this.ended) return;
    this.closed = true;
    if (this.waiter && this.head >= this.items.length) {
      this.waiter.resolve({ value: undefined, done: true });
      this.waiter = undefined;
    }
  }

  /** Drops what is queued; the consumer's next read throws `error`. */
  fail(error: Error): void {
    if (this.ended) return;
    this.failure = error;
    this.items.length = 0;
    this.head = 0;
    this.held = 0;
    if (this.waiter) {
      this.waiter.reject(error);
      this.waiter = undefined;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.close(true);
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.head < this.items.length) {
      const item = this.items[this.head++]!;
      this.held -= item.size;
      // Compact now and then rather than shift() per item (O(n) each).
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items.splice(0, this.head);
        this.head = 0;
      }
      this.onTake();
      return Promise.resolve({ value: item.value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }
}
