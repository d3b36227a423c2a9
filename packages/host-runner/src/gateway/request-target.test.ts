import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.js';

describe('parseRequestTarget', () => {
  it('accepts origin-form and normalises it as the agent will read it', () => {
    expect(parseRequestTarget('/files?path=/home/user/a%20b')).toMatchObject({ ok: true, pathname: '/files', search: '?path=/home/user/a%20b' });
    expect(parseRequestTarget('/a/../health')).toMatchObject({ ok: true, pathname: '/health' });
    expect(parseRequestTarget('/a/%2e%2e/health')).toMatchObject({ ok: true, pathname: '/health' });
    expect(parseRequestTarget('/process.Process/Start')).toMatchObject({ ok: true, pathname: '/process.Process/Start', search: '' });
  });

  it.each([undefined, '', '*', 'health', 'http://other/health', 'http://[', '127.0.0.1:80', '//[x', '//evil/health', '/\\evil/health', '/..//evil/health'])(
    'refuses %j without throwing',
    (target) => {
      expect(parseRequestTarget(target).ok).toBe(false);
    },
  );
});
