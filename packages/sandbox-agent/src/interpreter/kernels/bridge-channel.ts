import { StringDecoder } from 'node:string_decoder';

/** Starts an event line on a bridge's channel; a byte user output practically never contains. */
export const EVENT_MARK = 0x1e;
const NEWLINE = 0x0a;

export interface BridgeChannelHandlers {
  /** Bytes between events: output a subprocess or native code wrote straight to the descriptor. */
  text(text: string): void;
  event(event: Readonly<Record<string, unknown>>): void;
  /** An event line that is not a JSON object: a bridge bug, worth a log line. */
  malformed(line: string): void;
}

/**
 * Splits a kernel bridge's channel into events and plain text. An event is `\x1e` + JSON +
 * `\n`; everything else is passed through as it arrives (not held back for a newline), so a
 * bridge whose channel is also the program's stdout (R, Java) still streams what children print.
 */
export class BridgeChannel {
  private readonly decoder = new StringDecoder('utf8');
  private eventChunks: Buffer[] | undefined;

  constructor(private readonly handlers: BridgeChannelHandlers) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.eventChunks) {
        const end = chunk.indexOf(NEWLINE, offset);
        if (end < 0) {
          this.eventChunks.push(chunk.subarray(offset));
          return;
        }
        this.eventChunks.push(chunk.subarray(offset, end));
        this.finishEvent(Buffer.concat(this.eventChunks).toString('utf8'));
        this.eventChunks = undefined;
        offset = end + 1;
        continue;
      }
      const mark = chunk.indexOf(EVENT_MARK, offset);
      const textEnd = mark < 0 ? chunk.length : mark;
      if (textEnd > offset) {
        const text = this.decoder.write(chunk.subarray(offset, textEnd));
        if (text) this.handlers.text(text);
      }
      if (mark < 0) return;
      this.eventChunks = [];
      offset = mark + 1;
    }
  }

  private finishEvent(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.handlers.malformed(line);
      return;
    }
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      this.handlers.event(parsed as Record<string, unknown>);
    } else {
      this.handlers.malformed(line);
    }
  }
}
