import { getSignature } from 'e2b';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { fileUrl, fileUrlSignature } from './file-urls.js';

const NOW = Date.UTC(2026, 11, 5);

describe('signed file URLs', () => {
  it('sign as e2b signs', async () => {
    for (const [path, operation, user, expirationInSeconds] of [
      ['hello.txt', 'read', 'user', undefined],
      ['/home/user/a b.txt', 'write', '', 120],
    ] as const) {
      const theirs = await getSignature({ path, operation, user, envdAccessToken: 'token-1', ...(expirationInSeconds ? { expirationInSeconds } : {}) });
      expect(await fileUrlSignature(path, operation, user, 'token-1', theirs.expiration ?? undefined)).toBe(theirs.signature);
    }
    expect(await fileUrlSignature('hello.txt', 'read', 'user', '0tQG31xiMp0IOQfaz9dcwi72L1CPo8e0')).toBe('v1_gUtH/s9YCJWgCizjfUxuWfhFE4QSydOWEIIvfLwDr6E');
  });

  it('build e2b\'s URL: /files on the sandbox URL, path, username, signature and expiration', async () => {
    const url = new URL(
      await fileUrl({ sandboxUrl: 'http://127.0.0.1:3000', envdVersion: '0.6.4', envdAccessToken: 't', path: 'a.txt', operation: 'read', opts: { useSignatureExpiration: 60 }, now: () => NOW }),
    );
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:3000/files');
    const expiration = Math.floor(NOW / 1000) + 60;
    expect(Object.fromEntries(url.searchParams)).toEqual({
      path: 'a.txt',
      signature: await fileUrlSignature('a.txt', 'read', '', 't', expiration),
      signature_expiration: String(expiration),
    });
  });

  it('leave a non-secure sandbox\'s URL unsigned and refuse an expiration for it', async () => {
    const init = { sandboxUrl: 'http://h', envdVersion: '0.6.4', envdAccessToken: undefined, path: 'a.txt', operation: 'write' as const };
    expect(await fileUrl({ ...init, opts: { user: 'root' } })).toBe('http://h/files?username=root&path=a.txt');
    await expect(fileUrl({ ...init, opts: { useSignatureExpiration: 5 } })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
