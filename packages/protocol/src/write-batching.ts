/**
 * What `TurnCork` needs of a stream: a `net.Socket` has it. Give it an HTTP response's socket,
 * not the response: a corked `OutgoingMessage` holds chunks itself and its `end()` writes the
 * terminating chunk before them, cutting the body.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** How `TurnCork` waits: `setImmediate` and `setTimeout` by default (tests pass their own). */
export interface CorkClock {
  afterTurn(run: () => void): void;
  after(ms: number, run: () => void): { cancel(): void };
}

const nodeClock: CorkClock = {
  afterTurn: (run) => setImmediate(run),
  after: (ms, run) => {
    const timer = setTimeout(run, ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * Coalesces what one event-loop turn writes to a socket into one `writev`: call `beforeWrite()`
 * before each write; the first call of a turn corks the socket and the uncork runs after the
 * turn's I/O callbacks, so a short answer (headers, several NDJSON lines, the final chunk) leaves
 * as one write, not one each. On these hops every write is a syscall that wakes the reader, which
 * then parses each piece on its own; nothing is held past the turn, so streamed output is not
 * delayed.
 *
 * `holdHeaders(ms)` corks until the first write or `ms`, whichever is first: a response whose
 * first body bytes come within a few milliseconds (`runCode("1+1")`) then sends its headers with
 * them instead of waking every hop once for the headers alone.
 */
export class TurnCork {
  #stream: Corkable | null | undefined;
  #clock: CorkClock;
  #corked = false;
  #hold: { cancel(): void } | undefined;

  constructor(stream: Corkable | null | undefined, clock: CorkClock = nodeClock) {
    this.#stream = stream;
    this.#clock = clock;
  }

  holdHeaders(ms: number): void {
    if (this.#corked || !this.#stream) return;
    this.#corked = true;
    this.#stream.cork();
    this.#hold = this.#clock.after(ms, () => {
      this.#hold = undefined;
      this.#flush();
    });
  }

  beforeWrite(): void {
    if (!this.#stream) return;
    if (this.#hold) {
      // Already corked: what this turn writes joins the held headers, and all leave after it.
      this.#hold.cancel();
      this.#hold = undefined;
      this.#clock.afterTurn(() => this.#flush());
      return;
    }
    if (this.#corked) return;
    this.#corked = true;
    this.#stream.cork();
    this.#clock.afterTurn(() => this.#flush());
  }

  /** Stops a pending header hold (the response ended: `end()` has uncorked the socket itself). */
  close(): void {
    this.#hold?.cancel();
    this.#hold = undefined;
  }

  #flush(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.#stream?.uncork();
  }
}
