import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { resolveSandboxPath } from './sandbox-path.js';

const user = { name: 'user', uid: 1000, gid: 1000, home: '/home/user' };

describe('resolveSandboxPath', () => {
  it('resolves relative paths against the home and normalises', () => {
    expect(resolveSandboxPath(user, 'a/b.txt')).toBe('/home/user/a/b.txt');
    expect(resolveSandboxPath(user, '')).toBe('/home/user');
    expect(resolveSandboxPath(user, '/tmp/./x/../y')).toBe('/tmp/y');
    // Traversal is not refused here: the kernel decides under the user's identity.
    expect(resolveSandboxPath(user, '../../opt/codebox/agent.mjs')).toBe('/opt/codebox/agent.mjs');
  });

  it('rejects NUL bytes, paths over 4096 bytes and names over 255 bytes', () => {
    expect(() => resolveSandboxPath(user, 'a\0b')).toThrow(InvalidArgumentError);
    expect(() => resolveSandboxPath(user, 'x'.repeat(5000))).toThrow(/longer than 4096/);
    expect(() => resolveSandboxPath(user, `dir/${'n'.repeat(256)}`)).toThrow(/longer than 255/);
    expect(resolveSandboxPath(user, 'n'.repeat(255))).toBe(`/home/user/${'n'.repeat(255)}`);
  });
});
