import { randomUUID } from 'node:crypto';
import { getSignature } from 'e2b';
import { describe, expect, it } from 'vitest';
import { fileUrlSignature, isExpired, isWellFormedSignature, parseSignedFileRequest, signatureMatches, SIGNATURE_MESSAGES } from './file-url-signature.js';

describe('file URL signatures', () => {
  it('computes what the official SDK computes, with and without expiration and user', async () => {
    const token = randomUUID();
    for (const [path, operation, user, expiration] of [
      ['/home/user/hello.txt', 'read', 'root', undefined],
      ['hello.txt', 'write', undefined, 120],
      ['', 'write', 'user', -10],
    ] as const) {
      const sdk = await getSignature({ path, operation, user, envdAccessToken: token, ...(expiration === undefined ? {} : { expirationInSeconds: expiration }) });
      const ours = fileUrlSignature({ path, operation, user: user ?? '', expiration: sdk.expiration === null ? undefined : String(sdk.expiration) }, token);
      expect(ours).toBe(sdk.signature);
      expect(isWellFormedSignature(ours)).toBe(true);
    }
    // E2B's own fixed vector (js-sdk tests/sandbox/secure.test.ts).
    expect(fileUrlSignature({ path: 'hello.txt', operation: 'read', user: 'user', expiration: undefined }, '0tQG31xiMp0IOQfaz9dcwi72L1CPo8e0')).toBe(
      'v1_gUtH/s9YCJWgCizjfUxuWfhFE4QSydOWEIIvfLwDr6E',
    );
  });

  it('binds the signature to method, path, user and expiration', () => {
    const token = 'secret';
    const signed = { operation: 'read' as const, path: 'a.txt', user: '', expiration: '2000000000' };
    const signature = fileUrlSignature(signed, token);
    expect(signatureMatches({ ...signed, signature }, token)).toBe(true);
    expect(signatureMatches({ ...signed, signature }, 'other')).toBe(false);
    expect(signatureMatches({ ...signed, operation: 'write', signature }, token)).toBe(false);
    expect(signatureMatches({ ...signed, path: 'b.txt', signature }, token)).toBe(false);
    expect(signatureMatches({ ...signed, user: 'root', signature }, token)).toBe(false);
    expect(signatureMatches({ ...signed, expiration: '2000000001', signature }, token)).toBe(false);
    expect(signatureMatches({ ...signed, signature: `${signature}x` }, token)).toBe(false);
  });

  it('expires at the second, as envd compares', () => {
    const at = (expiration: string | undefined) => ({ operation: 'read' as const, path: '', user: '', expiration, signature: '' });
    expect(isExpired(at(undefined), Date.now())).toBe(false);
    expect(isExpired(at('100'), 100_999)).toBe(false);
    expect(isExpired(at('100'), 101_000)).toBe(true);
    expect(isExpired(at('soon'), 0)).toBe(true);
  });

  it('reads the request: GET reads, POST writes, others refused; a missing signature says so', () => {
    expect(parseSignedFileRequest('GET', new URLSearchParams('path=a&signature=s'))).toMatchObject({ ok: true, request: { operation: 'read', path: 'a', user: '' } });
    expect(parseSignedFileRequest('POST', new URLSearchParams('username=root&signature=s&signature_expiration=5'))).toMatchObject({
      ok: true,
      request: { operation: 'write', path: '', user: 'root', expiration: '5' },
    });
    expect(parseSignedFileRequest('PUT', new URLSearchParams('signature=s'))).toMatchObject({ ok: false, status: 405 });
    expect(parseSignedFileRequest('GET', new URLSearchParams('path=a'))).toEqual({ ok: false, status: 401, message: SIGNATURE_MESSAGES.missing });
    expect(isWellFormedSignature('v1_short')).toBe(false);
  });
});
