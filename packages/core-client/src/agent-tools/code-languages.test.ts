import { describe, expect, it } from 'vitest';
import { normalizeLanguage } from './code-language.js';
import { CODE_LANGUAGES } from './code-languages.js';

describe('CODE_LANGUAGES', () => {
  it('lists each language once, by the canonical name fence labels normalize to', () => {
    expect(new Set(CODE_LANGUAGES).size).toBe(CODE_LANGUAGES.length);
    for (const language of CODE_LANGUAGES) expect(normalizeLanguage(language)).toBe(language);
  });
});
