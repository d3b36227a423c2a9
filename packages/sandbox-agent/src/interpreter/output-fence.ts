const EMPTY = Buffer.alloc(0);

/**
 * Finds a kernel's end-of-cell fence in one output stream that arrives in arbitrary chunks.
 * Bytes before the fence are the cell's output; bytes that might be the start of a fence split
 * across chunks are held back until the next chunk decides. Everything after the fence is
 * output produced after the cell ended (background jobs) and is not the cell's.
 */
export class OutputFence {
  private held: Buffer = EMPTY;
  private seen = false;

  constructor(private readonly fence: Buffer) {
    if (fence.length === 0) throw new RangeError('an output fence cannot be empty');
  }

  /** True once the fence has gone past. */
  get reached(): boolean {
    return this.seen;
  }

  /** Feeds a chunk; returns the part of it (and of earlier held bytes) that is cell output. */
  push(chunk: Buffer): Buffer {
    if (this.seen) return EMPTY;
    const data = this.held.length > 0 ? Buffer.concat([this.held, chunk]) : chunk;
    const at = data.indexOf(this.fence);
    if (at >= 0) {
      this.seen = true;
      this.held = EMPTY;
      return data.subarray(0, at);
    }
    const keep = this.partialFenceAtEnd(data);
    this.held = keep > 0 ? Buffer.from(data.subarray(data.length - keep)) : EMPTY;
    return data.subarray(0, data.length - keep);
  }

  /** The bytes held back; the stream ended without the fence, so they were output after all. */
  drain(): Buffer {
    const rest = this.held;
    this.held = EMPTY;
    return rest;
  }

  private partialFenceAtEnd(data: Buffer): number {
    for (let length = Math.min(this.fence.length - 1, data.length); length > 0; length--) {
      if (data.subarray(data.length - length).equals(this.fence.subarray(0, length))) return length;
    }
    return 0;
  }
}
