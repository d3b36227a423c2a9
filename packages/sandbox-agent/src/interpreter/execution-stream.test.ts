import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExecutionStream, OUTPUT_LIMIT_ERROR_NAME, resultFields, unquotedText } from './execution-stream.js';

function collect(options: { outputLimitBytes?: number; keepaliveMs?: number; framing?: 'lines' | 'as-written' } = {}) {
  const lines: Record<string, unknown>[] = [];
  let limited = 0;
  const stream = new ExecutionStream({
    write: (line) => {
      expect(line.endsWith('\n')).toBe(true);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      delete parsed.timestamp;
      lines.push(parsed);
    },
    onLimit: () => {
      limited += 1;
    },
    ...options,
  });
  return { stream, lines, limited: () => limited };
}

describe('ExecutionStream', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends one line per printed line, holding a partial line briefly', () => {
    const { stream, lines } = collect();
    stream.stdout('a\nb');
    expect(lines).toEqual([{ type: 'stdout', text: 'a\n' }]);
    stream.stdout('c\nd\n');
    expect(lines.slice(1)).toEqual([
      { type: 'stdout', text: 'bc\n' },
      { type: 'stdout', text: 'd\n' },
    ]);
    stream.stderr('prompt> ');
    vi.advanceTimersByTime(60);
    expect(lines.at(-1)).toEqual({ type: 'stderr', text: 'prompt> ' });
  });

  it('passes chunks on as written for a kernel framed so (Java: println is the text, then the newline)', () => {
    const { stream, lines } = collect({ framing: 'as-written' });
    stream.stdout('Hello, World!');
    stream.stdout('\n');
    stream.stdout('a\nb\n');
    stream.stderr('');
    expect(lines).toEqual([
      { type: 'stdout', text: 'Hello, World!' },
      { type: 'stdout', text: '\n' },
      { type: 'stdout', text: 'a\nb\n' },
    ]);
  });

  it('sends long output without newlines in pieces, and a trickle of partial output on time', () => {
    const { stream, lines } = collect();
    stream.stdout('x'.repeat(100 * 1024));
    expect(lines).toHaveLength(1);
    expect((lines[0]!.text as string).length).toBe(100 * 1024);
    for (let i = 0; i < 5; i++) {
      stream.stdout('.');
      vi.advanceTimersByTime(20);
    }
    expect(lines.at(-1)).toEqual({ type: 'stdout', text: '...' });
  });

  it('flushes partial output before a result and ends with the count and end_of_execution', () => {
    const { stream, lines } = collect();
    stream.stdout('no newline');
    stream.result({ 'text/plain': '2', 'text/html': '<b>2</b>', 'application/vnd.custom': { a: 1 } }, true);
    stream.end(3);
    expect(lines).toEqual([
      { type: 'stdout', text: 'no newline' },
      { type: 'result', text: '2', html: '<b>2</b>', extra: { 'application/vnd.custom': { a: 1 } }, is_main_result: true },
      { type: 'number_of_executions', execution_count: 3 },
      { type: 'end_of_execution' },
    ]);
  });

  it('sends keepalive lines while quiet', () => {
    const { stream, lines } = collect({ keepaliveMs: 1000 });
    vi.advanceTimersByTime(2500);
    expect(lines).toEqual([{ type: 'keepalive' }, { type: 'keepalive' }]);
    stream.end(1);
    vi.advanceTimersByTime(5000);
    expect(lines.filter((line) => line.type === 'keepalive')).toHaveLength(2);
  });

  it('stops at the output limit, asks for an interrupt once and ends with OutputLimitExceeded', () => {
    const { stream, lines, limited } = collect({ outputLimitBytes: 200 });
    for (let i = 0; i < 50; i++) stream.stdout(`line ${i}\n`);
    stream.error({ name: 'KeyboardInterrupt', value: '', traceback: '' });
    stream.end(1);
    expect(limited()).toBe(1);
    const texts = lines.filter((line) => line.type === 'stdout');
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.length).toBeLessThan(10);
    expect(lines.slice(-3)).toEqual([
      { type: 'error', name: OUTPUT_LIMIT_ERROR_NAME, value: expect.stringContaining('200 bytes'), traceback: '' },
      { type: 'number_of_executions', execution_count: 1 },
      { type: 'end_of_execution' },
    ]);
  });
});

describe('resultFields', () => {
  it('maps MIME types to the wire keys and drops empty ones', () => {
    expect(resultFields({ 'image/png': 'iVBOR', 'application/json': { a: 1 }, 'text/latex': null, 'e2b/chart': { type: 'line' } })).toEqual({
      png: 'iVBOR',
      json: { a: 1 },
      chart: { type: 'line' },
    });
  });

  it('sends text/plain without one surrounding pair of quotes, and other formats untouched', () => {
    expect(resultFields({ 'text/plain': "'supertest'", 'text/html': "'<b>'" })).toEqual({ text: 'supertest', html: "'<b>'" });
  });
});

describe('unquotedText (E2B strips one pair of surrounding quotes from text/plain)', () => {
  it.each([
    ["'x'", 'x', "Python's and JavaScript's repr of a string"],
    ['"/home/user"', '/home/user', "jshell's value of a String"],
    ['"it\'s"', "it's", 'a repr that chose double quotes'],
    ["''", '', 'the empty string'],
    ["'", '', 'a lone quote: starts and ends with it, as E2B reads it'],
    ["'a' + 'b'", "a' + 'b", 'only the outer pair, nothing inside is looked at'],
    ['\'\'x\'\'', "'x'", 'one pair only'],
    ['[1] "x"', '[1] "x"', "R's print form does not start with a quote"],
    ['\'x"', '\'x"', 'mismatched quotes stay'],
    ['42', '42', 'no quotes'],
    ['', '', 'empty text'],
  ])('%s → %s (%s)', (text, expected) => {
    expect(unquotedText(text)).toBe(expected);
  });
});
