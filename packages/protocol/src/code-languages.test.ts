import { describe, expect, it } from 'vitest';
import { CODE_LANGUAGES, languageOfLabel, normaliseLanguage } from './code-languages.js';

describe('normaliseLanguage (the wire)', () => {
  it('resolves aliases, case and blanks, and defaults to python', () => {
    expect(normaliseLanguage('js')).toBe('javascript');
    expect(normaliseLanguage(' TS ')).toBe('typescript');
    expect(normaliseLanguage('')).toBe('python');
    expect(normaliseLanguage(undefined)).toBe('python');
    expect(normaliseLanguage('Bash')).toBe('bash');
    expect(normaliseLanguage('cobol')).toBeUndefined();
    // Only the wire's own aliases: what people write is languageOfLabel's business.
    expect(normaliseLanguage('py')).toBeUndefined();
  });
});

describe('languageOfLabel (what people and models write)', () => {
  it('knows every language by its own name, in any case', () => {
    for (const language of CODE_LANGUAGES) {
      expect(languageOfLabel(language)).toBe(language);
      expect(languageOfLabel(language.toUpperCase())).toBe(language);
    }
  });

  it('resolves the aliases models and fences use', () => {
    expect(['py', 'python3', 'ipython', 'js', 'node', 'ts', 'mts', 'sh', 'shell', 'zsh', 'Rscript'].map(languageOfLabel)).toEqual([
      'python',
      'python',
      'python',
      'javascript',
      'javascript',
      'typescript',
      'typescript',
      'bash',
      'bash',
      'bash',
      'r',
    ]);
  });

  it('reads the first word of a fence label, pandoc braces included', () => {
    expect(languageOfLabel('python title="a.py"')).toBe('python');
    expect(languageOfLabel('{.python}')).toBe('python');
  });

  it('is undefined for labels that are not runnable code, and for no label', () => {
    for (const label of ['json', 'text', 'output', '', '   ', 'constructor', '__proto__']) expect(languageOfLabel(label)).toBeUndefined();
  });
});
