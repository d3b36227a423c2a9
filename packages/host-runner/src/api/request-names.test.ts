import { describe, expect, it } from 'vitest';
import { InvalidRequestError, SandboxNotFoundError } from '../sandboxes/errors.js';
import { assertEnvVars, assertMetadata, assertSandboxIdParam, assertTemplateId } from './request-names.js';

describe('assertTemplateId', () => {
  it.each(['base', 'code-interpreter-v1', 'my_tpl.v2', 'a--b', 'x'])('accepts %j', (name) => {
    expect(() => assertTemplateId(name)).not.toThrow();
  });
  it.each(['', 'base/../base', '..', 'a..b', 'base/', '/base', 'Base', 'base:latest', 'base%2F', 'base\\x', '\uff0e\uff0e', 'base\u0000', '-base', 'base-', 'a'.repeat(64), '127.0.0.1:1/x'])(
    'refuses %j with a 400 naming templateID',
    (name) => {
      expect(() => assertTemplateId(name)).toThrow(InvalidRequestError);
      expect(() => assertTemplateId(name)).toThrow(/templateID/);
    },
  );
});

describe('assertSandboxIdParam', () => {
  it('accepts exactly 20 lowercase letters and digits', () => {
    expect(assertSandboxIdParam('abcdefghij0123456789')).toBe('abcdefghij0123456789');
  });
  it.each([undefined, '', '..', 'ABCDEFGHIJ0123456789', 'abcdefghij012345678', 'abcdefghij0123456789x', 'abcdefghij/123456789', 'abcdefghij\u00003456789'])('answers %j as a sandbox that does not exist (404), before any lookup', (id) => {
    expect(() => assertSandboxIdParam(id)).toThrow(SandboxNotFoundError);
  });
});

describe('assertEnvVars and assertMetadata', () => {
  it('refuses names and values a process or a label cannot carry', () => {
    expect(() => assertEnvVars({ PATH_X: 'v', _a1: '', 'my.var': 'x' })).not.toThrow();
    for (const bad of [{ 'A=B': 'v' }, { '': 'v' }, { 'A\u0000': 'v' }, { A: 'v\u0000' }] as Array<Record<string, string>>) expect(() => assertEnvVars(bad)).toThrow(InvalidRequestError);
    expect(() => assertMetadata({ k: 'v' })).not.toThrow();
    expect(() => assertMetadata({ 'k\u0000': 'v' })).toThrow(InvalidRequestError);
  });
});
