import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN } from '@codebox/protocol';
import { ApiKeyRing, generateApiKey, tenantIdForKey } from './api-keys.js';
import { AuthenticationError } from './errors.js';

describe('API keys', () => {
  it('derives the tenant as the first 32 hex chars of sha256(key)', () => {
    const key = 'e2b_abc';
    expect(tenantIdForKey(key)).toBe(createHash('sha256').update(key).digest('hex').slice(0, 32));
  });

  it('generates keys the E2B SDK accepts, different each time', () => {
    const key = generateApiKey();
    expect(key).toMatch(API_KEY_PATTERN);
    expect(generateApiKey()).not.toBe(key);
  });

  it('authenticates known keys only, one tenant each', () => {
    const ring = new ApiKeyRing(['e2b_01', 'e2b_02']);
    expect(ring.authenticate('e2b_01')).toBe(tenantIdForKey('e2b_01'));
    expect(ring.authenticate('e2b_02')).not.toBe(ring.authenticate('e2b_01'));
    expect(() => ring.authenticate(undefined)).toThrow(/Missing API key/);
    expect(() => ring.authenticate('e2b_03')).toThrow(AuthenticationError);
  });
});
