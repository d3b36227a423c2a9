import { countLines, cutMarker } from './truncate-middle.js';

/**
 * Text that grows as output arrives but is only ever shown within a budget: the first and the
 * last `maxChars / 2` characters, the cut between them marked as {@link truncateMiddle} marks
 * it. Appending is amortised O(length of the chunk) and rendering O(maxChars), so a flood of
 * output costs little however often a snapshot of running output is taken.
 */
export class CappedText {
  private readonly half: number;
  private head = '';
  /** What came after `head`; trimmed to its last `half` characters now and then. */
  private tail = '';
  /** Characters and line breaks dropped from the front of `tail` so far. */
  private dropped = 0;
  private droppedLines = 0;

  constructor(maxChars: number) {
    this.half = Math.max(1, Math.floor(maxChars / 2));
  }

  append(text: string): void {
    if (this.head.length < this.half && this.dropped === 0 && this.tail === '') {
      const room = this.half - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    this.tail += text;
    // Trim only once the tail is twice its budget, so each character is copied O(1) times.
    if (this.tail.length > 2 * this.half) {
      const cut = this.tail.length - this.half;
      this.dropped += cut;
      this.droppedLines += countLines(this.tail.slice(0, cut));
      this.tail = this.tail.slice(cut);
    }
  }

  toString(): string {
    const visible = this.tail.length > this.half ? this.tail.slice(-this.half) : this.tail;
    const hidden = this.tail.slice(0, this.tail.length - visible.length);
    const cut = this.dropped + hidden.length;
    return cut === 0 ? this.head + visible : this.head + cutMarker(cut, this.droppedLines + countLines(hidden)) + visible;
  }
}
