/** A MIME type a result can carry, e.g. `text/plain`, `image/png`. */
export type MIMEType = string;

import type { ChartTypes } from './charts.js';

/** A chart the sandbox extracted from a figure (`e2b/chart`), as sent (see charts.ts for its types). */
export type ChartData = ChartTypes;

/** A result line as it arrives, without `type`/`is_main_result`. */
export type RawResult = Record<string, unknown>;

/** Result fields with their own properties; any other key goes to `extra`. */
const KNOWN_KEYS = new Set(['plain', 'html', 'markdown', 'svg', 'png', 'jpeg', 'pdf', 'latex', 'json', 'javascript', 'data', 'chart', 'extra', 'text']);

/**
 * One output of an execution: the value of the last expression (`isMainResult`) or something
 * the code displayed. Each format the kernel produced has its own property (`png` and `jpeg`
 * are base64); formats without one are in `extra`. Same shape as `@e2b/code-interpreter`'s.
 */
export class Result {
  /** Plain text; always present for the main result. */
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly markdown: string | undefined;
  readonly svg: string | undefined;
  /** Base64-encoded PNG. */
  readonly png: string | undefined;
  /** Base64-encoded JPEG. */
  readonly jpeg: string | undefined;
  readonly pdf: string | undefined;
  readonly latex: string | undefined;
  readonly json: Record<string, unknown> | undefined;
  readonly javascript: string | undefined;
  /** A pandas DataFrame's columns: `{ column: [value, ...] }` (`e2b/data`). */
  readonly data: Record<string, unknown> | undefined;
  /** A matplotlib figure's data (`e2b/chart`); see `ChartType` for the kinds. */
  readonly chart: ChartTypes | undefined;
  /** Formats without a property of their own, by MIME type. */
  readonly extra: Record<string, unknown>;
  /** The result as received. */
  readonly raw: RawResult;

  constructor(
    rawData: RawResult,
    readonly isMainResult: boolean,
  ) {
    const data: RawResult = { ...rawData };
    delete data.type;
    delete data.is_main_result;
    this.raw = data;
    const text = (key: string): string | undefined => (typeof data[key] === 'string' ? (data[key] as string) : undefined);
    const object = (key: string): Record<string, unknown> | undefined =>
      typeof data[key] === 'object' && data[key] !== null ? (data[key] as Record<string, unknown>) : undefined;
    this.text = text('text');
    this.html = text('html');
    this.markdown = text('markdown');
    this.svg = text('svg');
    this.png = text('png');
    this.jpeg = text('jpeg');
    this.pdf = text('pdf');
    this.latex = text('latex');
    this.json = object('json');
    this.javascript = text('javascript');
    this.data = object('data');
    // Passed on as sent, as the official SDK does: the types describe the sandbox's shape.
    this.chart = object('chart') as ChartTypes | undefined;
    // The server nests formats it has no key for under `extra`; unknown top-level keys count too.
    const extra: Record<string, unknown> = { ...object('extra') };
    for (const [key, value] of Object.entries(data)) if (!KNOWN_KEYS.has(key)) extra[key] = value;
    this.extra = extra;
  }

  /** The formats this result has, e.g. `['html', 'png']` or `['png', 'chart']` (text is not listed). */
  formats(): string[] {
    const formats: string[] = [];
    for (const key of ['html', 'markdown', 'svg', 'png', 'jpeg', 'pdf', 'latex', 'json', 'javascript', 'data', 'chart'] as const) {
      if (this[key]) formats.push(key);
    }
    formats.push(...Object.keys(this.extra));
    return formats;
  }

  toJSON(): Record<string, unknown> {
    return {
      text: this.text,
      html: this.html,
      markdown: this.markdown,
      svg: this.svg,
      png: this.png,
      jpeg: this.jpeg,
      pdf: this.pdf,
      latex: this.latex,
      json: this.json,
      javascript: this.javascript,
      data: this.data,
      chart: this.chart,
      ...(Object.keys(this.extra).length > 0 ? { extra: this.extra } : {}),
    };
  }
}

