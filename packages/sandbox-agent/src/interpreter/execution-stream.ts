import { RESULT_MIME_KEYS, type ExecuteLine, type ResultLine } from '@codebox/protocol';
import type { ExecutionErrorInfo, ExecutionSink, MimeBundle, OutputFraming } from './kernel.js';

/** Output per execution before it is cut off (docs/architecture.md, "Sandbox defaults"). */
export const DEFAULT_OUTPUT_LIMIT_BYTES = 10 * 1024 * 1024;
/** E2B's server sends a keepalive line after this long without output. */
export const DEFAULT_KEEPALIVE_MS = 5_000;
/** A partial line (no newline yet) is sent after this long, so prompts and progress show. */
const PARTIAL_LINE_DELAY_MS = 50;
/** A partial line this long is sent at once: output without newlines must not pile up here. */
const PARTIAL_LINE_MAX_CHARS = 64 * 1024;

export interface ExecutionStreamOptions {
  /** Writes one NDJSON line (already `\n`-terminated). */
  readonly write: (line: string) => void;
  readonly outputLimitBytes?: number;
  readonly keepaliveMs?: number;
  /** Called once when the output limit is hit: the execution should be interrupted. */
  readonly onLimit: () => void;
  /** The kernel's (`Kernel.outputFraming`); default `lines`. */
  readonly framing?: OutputFraming;
}

/** The error an execution ends with when it printed more than the limit. */
export const OUTPUT_LIMIT_ERROR_NAME = 'OutputLimitExceeded';

/**
 * The `/execute` response body as an `ExecutionSink`: stdout/stderr split into lines (each
 * with its `\n`), or passed on as written for a kernel framed so, results mapped to the wire's short keys, keepalive lines while quiet, and
 * the output cap. Past the cap nothing more of the execution is sent; it ends with an
 * `OutputLimitExceeded` error instead of whatever the interrupted kernel reports.
 */
export class ExecutionStream implements ExecutionSink {
  private readonly partial = { stdout: '', stderr: '' };
  private partialTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private bytes = 0;
  private truncated = false;
  private ended = false;
  private readonly limit: number;
  private readonly keepaliveMs: number;

  constructor(private readonly options: ExecutionStreamOptions) {
    this.limit = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
    this.keepaliveMs = options.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    this.armKeepalive();
  }

  stdout(text: string): void {
    this.stream('stdout', text);
  }

  stderr(text: string): void {
    this.stream('stderr', text);
  }

  result(bundle: MimeBundle, isMainResult: boolean): void {
    this.flushPartials();
    this.send({ ...resultFields(bundle), type: 'result', is_main_result: isMainResult });
  }

  error(error: ExecutionErrorInfo): void {
    this.flushPartials();
    this.send({ type: 'error', name: error.name, value: error.value, traceback: error.traceback });
  }

  /** The terminal lines: the execution count (when known), then `end_of_execution`. */
  end(executionCount: number | undefined): void {
    if (this.ended) return;
    this.flushPartials();
    if (this.truncated) {
      this.writeLine({
        type: 'error',
        name: OUTPUT_LIMIT_ERROR_NAME,
        value: `the execution produced more than ${this.limit} bytes of output; the rest was dropped and the execution was interrupted`,
        traceback: '',
      });
    }
    if (executionCount !== undefined) this.writeLine({ type: 'number_of_executions', execution_count: executionCount });
    this.writeLine({ type: 'end_of_execution' });
    this.ended = true;
    this.close();
  }

  /** Stops the timers without writing (the client has gone). */
  close(): void {
    clearTimeout(this.partialTimer);
    clearTimeout(this.keepaliveTimer);
  }

  private stream(kind: 'stdout' | 'stderr', text: string): void {
    if (this.options.framing === 'as-written') {
      if (text) this.sendText(kind, text);
      return;
    }
    const buffered = this.partial[kind] + text;
    const lastNewline = buffered.lastIndexOf('\n');
    this.partial[kind] = buffered.slice(lastNewline + 1);
    if (lastNewline >= 0) {
      for (const line of buffered.slice(0, lastNewline + 1).split(/(?<=\n)/)) this.sendText(kind, line);
    }
    if (this.partial[kind].length >= PARTIAL_LINE_MAX_CHARS) {
      this.sendText(kind, this.partial[kind]);
      this.partial[kind] = '';
    }
    if (!this.partial.stdout && !this.partial.stderr) {
      clearTimeout(this.partialTimer);
      this.partialTimer = undefined;
    } else if (!this.partialTimer) {
      // Armed once, not pushed back by every chunk, so a steady trickle still shows.
      this.partialTimer = setTimeout(() => this.flushPartials(), PARTIAL_LINE_DELAY_MS);
    }
  }

  private flushPartials(): void {
    clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    for (const kind of ['stdout', 'stderr'] as const) {
      const text = this.partial[kind];
      this.partial[kind] = '';
      if (text) this.sendText(kind, text);
    }
  }

  private sendText(kind: 'stdout' | 'stderr', text: string): void {
    this.send({ type: kind, text, timestamp: new Date().toISOString() });
  }

  private send(line: ExecuteLine): void {
    if (this.truncated || this.ended) return;
    const json = JSON.stringify(line);
    this.bytes += Buffer.byteLength(json);
    if (this.bytes > this.limit) {
      this.truncated = true;
      this.options.onLimit();
      return;
    }
    this.writeLine(line, json);
  }

  private writeLine(line: ExecuteLine, json = JSON.stringify(line)): void {
    this.options.write(`${json}\n`);
    this.armKeepalive();
  }

  private armKeepalive(): void {
    clearTimeout(this.keepaliveTimer);
    this.keepaliveTimer = setTimeout(() => {
      if (this.ended) return;
      this.writeLine({ type: 'keepalive' });
    }, this.keepaliveMs);
  }
}

/**
 * A MIME bundle as the wire's result fields: known types under short keys, the rest in `extra`.
 * `text/plain` loses one surrounding pair of quotes (`unquotedText`), as E2B's server sends it.
 */
export function resultFields(bundle: MimeBundle): Omit<ResultLine, 'type' | 'is_main_result'> {
  const fields: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(bundle)) {
    if (value === undefined || value === null) continue;
    const key = RESULT_MIME_KEYS[mime];
    if (key === 'text' && typeof value === 'string') fields[key] = unquotedText(value);
    else if (key) fields[key] = value;
    else extra[mime] = value;
  }
  if (Object.keys(extra).length > 0) fields.extra = extra;
  return fields as Omit<ResultLine, 'type' | 'is_main_result'>;
}

/**
 * E2B's rule for a result's `text/plain` (its server's `Result`, code-interpreter
 * `template/server/api/models/result.py`): text that starts and ends with the same quote, `'` or
 * `"`, loses that one pair, so a string value reads as the string itself whatever the kernel's
 * repr quoted it with: Python's and JavaScript's `'x'`, jshell's `"x"`. R's `[1] "x"` does not start
 * with a quote and is kept, as there. Only the pair goes: escapes inside stay as the repr wrote them.
 */
export function unquotedText(text: string): string {
  const first = text[0];
  return (first === "'" || first === '"') && text.endsWith(first) ? text.slice(1, -1) : text;
}
