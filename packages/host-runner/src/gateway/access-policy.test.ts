import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkAccess, checkTrafficAccess, type AccessRequest } from './access-policy.js';

const TOKEN = 'secret-token';
const NOW = Date.UTC(2026, 0, 1);

function request(overrides: Partial<AccessRequest>): AccessRequest {
  return { method: 'POST', url: '/process.Process/Start', port: 49983, accessTokenHeader: undefined, now: NOW, ...overrides };
}

/** The SDK's signing rule (e2b `src/sandbox/signature.ts`), restated for the test. */
function sign(path: string, operation: 'read' | 'write', user: string, expiration?: number): string {
  const raw = expiration === undefined ? `${path}:${operation}:${user}:${TOKEN}` : `${path}:${operation}:${user}:${TOKEN}:${expiration}`;
  return `v1_${createHash('sha256').update(raw).digest('base64').replace(/=+$/, '')}`;
}

describe('checkAccess', () => {
  it('lets everything through for a sandbox without a token', () => {
    expect(checkAccess(request({}), undefined)).toEqual({ allowed: true });
  });

  it('requires the exact token on envd calls', () => {
    expect(checkAccess(request({}), TOKEN)).toMatchObject({ allowed: false, reason: expect.stringContaining('X-Access-Token') });
    expect(checkAccess(request({ accessTokenHeader: 'secret-tokeN' }), TOKEN)).toMatchObject({ allowed: false });
    expect(checkAccess(request({ accessTokenHeader: '' }), TOKEN)).toMatchObject({ allowed: false });
    expect(checkAccess(request({ accessTokenHeader: TOKEN }), TOKEN)).toEqual({ allowed: true });
  });

  it('exempts GET /health on both ports and /contexts on the code-interpreter port only', () => {
    expect(checkAccess(request({ method: 'GET', url: '/health' }), TOKEN).allowed).toBe(true);
    expect(checkAccess(request({ method: 'GET', url: '/health', port: 49999 }), TOKEN).allowed).toBe(true);
    expect(checkAccess(request({ method: 'POST', url: '/health' }), TOKEN).allowed).toBe(false);
    expect(checkAccess(request({ url: '/contexts', port: 49999 }), TOKEN).allowed).toBe(true);
    expect(checkAccess(request({ method: 'DELETE', url: '/contexts/abc', port: 49999 }), TOKEN).allowed).toBe(true);
    expect(checkAccess(request({ url: '/contexts', port: 49983 }), TOKEN).allowed).toBe(false);
    expect(checkAccess(request({ url: '/execute', port: 49999 }), TOKEN).allowed).toBe(false);
    expect(checkAccess(request({ url: '/execute', port: 49999, accessTokenHeader: TOKEN }), TOKEN).allowed).toBe(true);
  });

  it('accepts signed /files URLs and rejects wrong, mismatched or expired signatures', () => {
    const read = new URLSearchParams({ path: '/home/user/a.txt', username: 'user', signature: sign('/home/user/a.txt', 'read', 'user') });
    expect(checkAccess(request({ method: 'GET', url: `/files?${read}` }), TOKEN).allowed).toBe(true);
    // The same signature does not authorise a write.
    expect(checkAccess(request({ method: 'POST', url: `/files?${read}` }), TOKEN).allowed).toBe(false);

    const expiration = Math.floor(NOW / 1000) + 60;
    const write = new URLSearchParams({ path: 'x', signature: sign('x', 'write', '', expiration), signature_expiration: String(expiration) });
    expect(checkAccess(request({ method: 'POST', url: `/files?${write}` }), TOKEN).allowed).toBe(true);
    expect(checkAccess(request({ method: 'POST', url: `/files?${write}`, now: NOW + 61_000 }), TOKEN)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('expired'),
    });

    const other = new URLSearchParams({ path: '/etc/passwd', username: 'user', signature: read.get('signature') ?? '' });
    expect(checkAccess(request({ method: 'GET', url: `/files?${other}` }), TOKEN).allowed).toBe(false);
  });
});

describe('checkAccess on user ports', () => {
  it('leaves a user’s server to its own rules: the envd token guards only 49983 and 49999', () => {
    for (const port of [1, 3000, 8000, 65535]) {
      expect(checkAccess(request({ method: 'POST', url: '/anything', port }), TOKEN), String(port)).toEqual({ allowed: true });
    }
    expect(checkAccess(request({ port: 49983 }), TOKEN).allowed).toBe(false);
    expect(checkAccess(request({ url: '/execute', port: 49999 }), TOKEN).allowed).toBe(false);
  });
});

describe('checkAccess on request-targets no parser agrees on', () => {
  it.each(['//[x', '//evil/health', '/\\evil/health', 'http://[', 'http://other/health', '*', ''])('denies %j instead of throwing', (url) => {
    expect(() => checkAccess(request({ method: 'GET', url }), TOKEN)).not.toThrow();
    expect(checkAccess(request({ method: 'GET', url }), TOKEN).allowed).toBe(false);
  });
});

describe('checkTrafficAccess', () => {
  const TRAFFIC = 'traffic-token';
  it('demands the traffic token on every port but envd, only when the sandbox has one', () => {
    expect(checkTrafficAccess(49999, undefined, undefined)).toEqual({ allowed: true });
    expect(checkTrafficAccess(49983, undefined, TRAFFIC)).toEqual({ allowed: true });
    for (const port of [49999, 8080, 1]) {
      expect(checkTrafficAccess(port, undefined, TRAFFIC)).toMatchObject({ allowed: false, reason: expect.stringContaining('E2B-Traffic-Access-Token') });
      expect(checkTrafficAccess(port, '', TRAFFIC).allowed).toBe(false);
      expect(checkTrafficAccess(port, 'traffic-tokeN', TRAFFIC).allowed).toBe(false);
      expect(checkTrafficAccess(port, TRAFFIC, TRAFFIC)).toEqual({ allowed: true });
    }
  });
});
