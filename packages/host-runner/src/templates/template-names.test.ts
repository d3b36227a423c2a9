import { describe, expect, it } from 'vitest';
import { InvalidTemplateNameError } from './errors.js';
import { assertTemplateName, templateRepo } from './template-names.js';

describe('template names', () => {
  it('accepts Docker-safe names', () => {
    for (const name of ['base', 'code-interpreter-v1', 'my_tpl.2']) expect(() => assertTemplateName(name)).not.toThrow();
    expect(templateRepo('base')).toBe('codebox/base');
  });

  it('rejects names Docker or a tag cannot hold', () => {
    for (const name of ['', 'Base', '-x', 'a/b', 'a:b', 'x'.repeat(64), '../etc']) {
      expect(() => assertTemplateName(name)).toThrow(InvalidTemplateNameError);
    }
  });
});
