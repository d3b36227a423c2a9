import { InvalidArgumentError } from '../errors.js';

/** The shortest budget {@link truncateMiddle} accepts: room for the cut marker and some text. */
export const MIN_TRUNCATE_CHARS = 80;

/**
 * `text` cut to at most `maxChars` characters by keeping its head and its tail and replacing
 * the middle with a marker saying how much was cut. Both ends matter to a model: the head shows
 * what started, the tail how it ended (the error, the last lines). Cuts move to line breaks when
 * one is near, so the model does not see half lines.
 */
export function truncateMiddle(text: string, maxChars: number): string {
  if (!Number.isInteger(maxChars) || maxChars < MIN_TRUNCATE_CHARS) {
    throw new InvalidArgumentError(`maxChars must be an integer of at least ${MIN_TRUNCATE_CHARS}, got ${maxChars}: raise the output budget.`);
  }
  if (text.length <= maxChars) return text;
  // The marker's length depends on the numbers in it; size it for the largest possible cut.
  const room = maxChars - cutMarker(text.length, countLines(text)).length;
  let headEnd = Math.ceil(room / 2);
  let tailStart = text.length - (room - headEnd);
  // Snap to line breaks within the last/first quarter of each kept part.
  const lineEnd = text.lastIndexOf('\n', headEnd - 1);
  if (lineEnd >= 0 && lineEnd >= headEnd * 0.75) headEnd = lineEnd;
  const lineStart = text.indexOf('\n', tailStart);
  if (lineStart >= 0 && lineStart + 1 <= tailStart + (text.length - tailStart) * 0.25) tailStart = lineStart + 1;
  const middle = text.slice(headEnd, tailStart);
  return text.slice(0, headEnd) + cutMarker(middle.length, countLines(middle)) + text.slice(tailStart);
}

/**
 * The one marker of a cut the agent tools show a model (here, in {@link CappedText}'s running
 * output, in shaped output): how many characters and line breaks are missing.
 */
export function cutMarker(chars: number, lines: number): string {
  return `\n[… ${chars} characters (${lines} lines) cut …]\n`;
}

export function countLines(text: string): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
