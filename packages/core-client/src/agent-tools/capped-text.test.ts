import { describe, expect, it } from 'vitest';
import { CappedText } from './capped-text.js';

describe('CappedText', () => {
  it('keeps everything while it fits', () => {
    const text = new CappedText(10);
    text.append('abc');
    text.append('defg');
    expect(text.toString()).toBe('abcdefg');
  });

  it('keeps the head and the tail of a long stream and says how much was cut', () => {
    const text = new CappedText(10);
    for (const chunk of ['01234', '56789', 'abcde', 'fghij', 'klm']) text.append(chunk);
    expect(text.toString()).toBe('01234\n[… 13 characters (0 lines) cut …]\nijklm');
  });

  it('renders the same whatever the chunking', () => {
    const whole = 'x'.repeat(3) + 'the middle part that is long' + 'y'.repeat(3);
    const once = new CappedText(12);
    once.append(whole);
    const byChar = new CappedText(12);
    for (const char of whole) byChar.append(char);
    expect(byChar.toString()).toBe(once.toString());
    expect(once.toString()).toBe('xxxthe\n[… 22 characters (0 lines) cut …]\nongyyy');
  });

  it('stays within its budget for a flood of output', () => {
    const text = new CappedText(100);
    for (let i = 0; i < 100_000; i++) text.append(`line ${i}\n`);
    const shown = text.toString();
    expect(shown.startsWith('line 0\nline 1\n')).toBe(true);
    expect(shown.endsWith('line 99999\n')).toBe(true);
    expect(shown.length).toBeLessThan(150);
  });
});
