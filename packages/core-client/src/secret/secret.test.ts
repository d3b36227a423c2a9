import { describe, expect, it } from 'vitest';
import { Secret as E2bSecret } from 'e2b';
import { InvalidArgumentError } from '../errors.js';
import { Secret } from './secret.js';

describe('Secret.fill', () => {
  it('formats the placeholder the runner resolves, as e2b does', () => {
    expect(Secret.fill('openai-api-key')).toBe('${e2b.secrets.openai-api-key}');
    expect(Secret.fill('Key_1')).toBe(E2bSecret.fill('Key_1'));
  });

  it('refuses names that would break the placeholder', () => {
    for (const name of ['', 'a}b', '{a', 'a\nb', 'a\u0000']) expect(() => Secret.fill(name), JSON.stringify(name)).toThrow(InvalidArgumentError);
  });
});
