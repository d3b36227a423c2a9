import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { truncateMiddle } from './truncate-middle.js';

const numbered = (n: number): string => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join('\n');

describe('truncateMiddle', () => {
  it('returns text within the budget unchanged', () => {
    expect(truncateMiddle('short', 100)).toBe('short');
  });

  it('keeps the head and the tail, marks the cut with its size, and stays within the budget', () => {
    const text = numbered(1000);
    for (const max of [80, 200, 1000, 5000]) {
      const out = truncateMiddle(text, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.startsWith('line 1\n')).toBe(true);
      expect(out.endsWith('line 1000')).toBe(true);
      const cut = /\[… (\d+) characters \((\d+) lines\) cut …\]/.exec(out);
      expect(cut).not.toBeNull();
      // What is kept plus what the marker says was cut is the whole text.
      const kept = out.replace(/\n\[… \d+ characters \(\d+ lines\) cut …\]\n/, '');
      expect(kept.length + Number(cut?.[1])).toBe(text.length);
    }
  });

  it('cuts at line breaks when one is near, so no half lines are kept', () => {
    const out = truncateMiddle(numbered(1000), 1000);
    const [head, tail] = out.split(/\n\[… .* cut …\]\n/);
    expect(head?.split('\n').every((l) => /^line \d+$/.test(l))).toBe(true);
    expect(tail?.split('\n').every((l) => /^line \d+$/.test(l))).toBe(true);
  });

  it('cuts inside a single long line too', () => {
    const out = truncateMiddle('a'.repeat(500) + 'b'.repeat(500), 200);
    expect(out.length).toBeLessThanOrEqual(200);
    expect(out.startsWith('aaa')).toBe(true);
    expect(out.endsWith('bbb')).toBe(true);
    expect(out).toContain('(0 lines) cut');
  });

  it('rejects a budget too small to say what was cut', () => {
    expect(() => truncateMiddle('x'.repeat(100), 10)).toThrow(InvalidArgumentError);
    expect(() => truncateMiddle('x'.repeat(100), 10)).toThrow(/at least 80/);
  });
});
