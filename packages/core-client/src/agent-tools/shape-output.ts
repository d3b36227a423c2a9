import { stripVTControlCharacters } from 'node:util';
import { InvalidArgumentError } from '../errors.js';
import { describeImage, formatBytes, type ImagePart } from './image-info.js';
import { isExecutionLike, type ResultLike, type ShapeableResult } from './shapeable-result.js';
import { truncateMiddle } from './truncate-middle.js';

export interface ShapeOutputOpts {
  /**
   * Most characters of `text`. Each section (stdout, stderr, results, error) keeps all of
   * itself when it fits its share; larger ones are cut in the middle.
   * @default 4000
   */
  maxChars?: number;
}

/** An execution rendered for a model. */
export interface ShapedOutput {
  /** Compact text for the model; images appear in it as their descriptions. */
  text: string;
  /** The PNG/JPEG results, for frameworks that pass images to the model. */
  images: ImagePart[];
  /** Whether anything was cut to fit `maxChars`. */
  truncated: boolean;
}

export const DEFAULT_OUTPUT_MAX_CHARS = 4000;
/** Enough for five sections' headings and a cut marker in each. */
export const MIN_OUTPUT_MAX_CHARS = 500;

interface Section {
  title: string;
  body: string;
}

/**
 * Renders what code produced (an `Execution` or a `CommandResult`) as compact text for a model:
 * one titled section each for stdout, stderr, the main result, other outputs and the error or
 * exit code, terminal colour codes removed, within `maxChars` (head and tail of a long section
 * kept, the cut marked with its size). Images become descriptions in the text
 * (`[image/png 640×480, 23 KB]`) and are also returned as {@link ImagePart}s.
 */
export function shapeOutput(result: ShapeableResult, opts: ShapeOutputOpts = {}): ShapedOutput {
  const maxChars = opts.maxChars ?? DEFAULT_OUTPUT_MAX_CHARS;
  if (!Number.isInteger(maxChars) || maxChars < MIN_OUTPUT_MAX_CHARS) {
    throw new InvalidArgumentError(
      `shapeOutput maxChars must be an integer of at least ${MIN_OUTPUT_MAX_CHARS} (room for every section), got ${maxChars}.`,
    );
  }
  const images: ImagePart[] = [];
  const sections: Section[] = [];
  const add = (title: string, body: string): void => {
    const clean = stripVTControlCharacters(body).replace(/\s+$/, '');
    if (clean !== '') sections.push({ title, body: clean });
  };

  if (isExecutionLike(result)) {
    add('stdout', result.logs.stdout.join(''));
    add('stderr', result.logs.stderr.join(''));
    const results = result.results ?? [];
    add('result', results.filter((r) => r.isMainResult).map((r) => renderResult(r, images)).join('\n'));
    add('output', results.filter((r) => !r.isMainResult).map((r) => renderResult(r, images)).join('\n'));
    if (result.error) {
      const { name, value, traceback } = result.error;
      add('error', [`${name}: ${value}`, traceback].filter((s) => s.trim() !== '').join('\n'));
    }
  } else {
    add('stdout', result.stdout);
    add('stderr', result.stderr);
    if (result.exitCode !== 0 || result.error) {
      add('exit code', [String(result.exitCode), result.error].filter(Boolean).join(' — '));
    }
  }

  if (sections.length === 0) return { text: '(no output)', images, truncated: false };
  const { text, truncated } = fitSections(sections, maxChars);
  return { text, images, truncated };
}

/**
 * One result as text: its images described (and collected), its most readable text format,
 * and the names of formats left out, so the model knows they exist.
 */
function renderResult(result: ResultLike, images: ImagePart[]): string {
  const lines: string[] = [];
  const shown = new Set<string>();
  for (const [key, mimeType] of [['png', 'image/png'], ['jpeg', 'image/jpeg']] as const) {
    const data = result[key];
    if (!data) continue;
    const image = describeImage(data, mimeType);
    images.push(image);
    lines.push(image.description);
    shown.add(key);
  }
  if (result.svg) {
    lines.push(`[image/svg+xml, ${formatBytes(Buffer.byteLength(result.svg))}]`);
    shown.add('svg');
  }
  const textual: [string, string | undefined][] = [
    ['text', result.text],
    ['markdown', result.markdown],
    ['json', result.json === undefined ? undefined : JSON.stringify(result.json)],
    ['latex', result.latex],
    ['html', result.html],
    ['javascript', result.javascript],
  ];
  const readable = textual.find(([, value]) => value !== undefined && value !== '');
  if (readable) {
    // Next to an image, `text` is the figure's repr (`<Figure size 640x480 with 1 Axes>`): noise.
    if (readable[0] !== 'text' || lines.length === 0) lines.push(readable[1] as string);
    shown.add(readable[0]);
  }
  // A figure's chart is the data of the image just shown: naming it would only be noise.
  if (lines.length > 0) shown.add('chart');
  const left = [...textual, ['pdf', result.pdf], ['chart', result.chart], ['data', result.data]]
    .filter(([key, value]) => value !== undefined && value !== '' && !shown.has(key as string))
    .map(([key]) => key);
  if (left.length > 0) lines.push(`(also as: ${left.join(', ')})`);
  return lines.join('\n');
}

/**
 * Joins the sections within `maxChars`: sections shorter than an even share of what is left
 * keep everything, and the rest share the remainder evenly (water-filling), each cut in the
 * middle. Small sections (an error line, an exit code) thus survive a flood of stdout.
 */
function fitSections(sections: Section[], maxChars: number): { text: string; truncated: boolean } {
  const heading = (s: Section): string => (s.body.includes('\n') ? `${s.title}:\n` : `${s.title}: `);
  const overhead = sections.reduce((n, s) => n + heading(s).length, 0) + (sections.length - 1);
  const total = overhead + sections.reduce((n, s) => n + s.body.length, 0);
  if (total <= maxChars) return { text: sections.map((s) => heading(s) + s.body).join('\n'), truncated: false };

  const budgets = new Map<Section, number>();
  let remaining = maxChars - overhead;
  let open = [...sections].sort((a, b) => a.body.length - b.body.length);
  while (open.length > 0) {
    const share = Math.floor(remaining / open.length);
    const first = open[0] as Section;
    if (first.body.length > share) {
      for (const s of open) budgets.set(s, share);
      break;
    }
    budgets.set(first, first.body.length);
    remaining -= first.body.length;
    open = open.slice(1);
  }
  const text = sections
    .map((s) => {
      const budget = budgets.get(s) ?? s.body.length;
      // A cut body may become one line or stay several; keep the heading it was sized with.
      return heading(s) + (s.body.length > budget ? truncateMiddle(s.body, budget) : s.body);
    })
    .join('\n');
  return { text, truncated: true };
}
