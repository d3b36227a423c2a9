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
      parsed = line.includes('"e2b/') ? JSON.parse(line, keepFloatSpelling) : JSON.parse(line);
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

/** ES2025's JSON source-text access (V8 ≥ 11.4, so Node ≥ 21): not yet in TypeScript's lib. */
interface JsonWithRawText {
  rawJSON(text: string): unknown;
}
interface ReviverContext {
  source?: string;
}

/**
 * `e2b/chart` and `e2b/data` carry numbers whose spelling is part of the contract: E2B's server is
 * Python, so a tick at 1.0 reaches the Python SDK as the float `1.0`, and its tests check
 * `isinstance(tick, float)`. Parsed into a JS number and stringified again it would be `1`, an int
 * there; kept as raw JSON it is written back exactly as the kernel spelt it. Integers are plain
 * numbers still, so nothing that reads counts from events sees a difference.
 */
function keepFloatSpelling(this: unknown, _key: string, value: unknown, context?: ReviverContext): unknown {
  if (typeof value !== 'number' || context?.source === undefined || !/[.eE]/.test(context.source)) return value;
  return (JSON as unknown as JsonWithRawText).rawJSON(context.source);
}
