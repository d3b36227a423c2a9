import { describe, expect, it } from 'vitest';
import { applyHeaderTransforms, resolvePlaceholders, UnresolvedPlaceholderError } from './header-transform.js';

const secrets: Record<string, string> = { 'openai-key': 'sk-123', other: 'o' };
const resolve = (name: string): string | undefined => secrets[name.toLowerCase()];

describe('applyHeaderTransforms', () => {
  it('replaces headers of the same name case-insensitively and keeps the rest in order', () => {
    const out = applyHeaderTransforms(['Host', 'api.example', 'authorization', 'Bearer user', 'X-A', '1', 'AUTHORIZATION', 'dup'], [{ headers: { Authorization: 'Bearer ${e2b.secrets.openai-key}' } }], resolve);
    expect(out).toEqual(['Host', 'api.example', 'X-A', '1', 'Authorization', 'Bearer sk-123']);
  });

  it('applies transforms in order, the later winning, and resolves several placeholders in a value', () => {
    const out = applyHeaderTransforms([], [{ headers: { 'X-K': 'first' } }, { headers: { 'x-k': '${e2b.secrets.OpenAI-Key}:${e2b.secrets.other}' } }], resolve);
    expect(out).toEqual(['x-k', 'sk-123:o']);
  });

  it('refuses an unknown secret or placeholder kind, naming the placeholder and no value', () => {
    expect(() => resolvePlaceholders('X', 'a ${e2b.secrets.missing} ${e2b.secrets.openai-key}', resolve)).toThrow(UnresolvedPlaceholderError);
    try {
      resolvePlaceholders('X', '${e2b.secrets.openai-key} ${e2b.secrets.missing}', resolve);
    } catch (error) {
      expect((error as Error).message).toContain('${e2b.secrets.missing}');
      expect((error as Error).message).not.toContain('sk-123');
    }
    expect(() => resolvePlaceholders('X', '${e2b.identity.tokens.aws}', resolve)).toThrow(/does not resolve/);
    expect(resolvePlaceholders('X', 'plain $ {not} ${other}', resolve)).toBe('plain $ {not} ${other}');
  });
});
