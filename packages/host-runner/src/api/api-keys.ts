import { createHash, randomBytes } from 'node:crypto';
import { AuthenticationError } from './errors.js';

const TENANT_ID_LENGTH = 32;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The opaque owner id stored in sandbox labels: the key itself never leaves the runner's memory. */
export function tenantIdForKey(apiKey: string): string {
  return sha256Hex(apiKey).slice(0, TENANT_ID_LENGTH);
}

/** A fresh key in the shape the official SDK checks client side (`^e2b_[0-9a-f]+$`). */
export function generateApiKey(): string {
  return `e2b_${randomBytes(20).toString('hex')}`;
}

/**
 * The API keys the runner accepts, one tenant each. Keys are looked up by their full
 * SHA-256, so the lookup's timing depends on a hash of the presented key, not on how many of
 * its characters match a real one.
 */
export class ApiKeyRing {
  readonly #tenantsByDigest = new Map<string, string>();

  constructor(keys: readonly string[]) {
    for (const key of keys) this.#tenantsByDigest.set(sha256Hex(key), tenantIdForKey(key));
  }

  get size(): number {
    return this.#tenantsByDigest.size;
  }

  /** The tenant id for a presented `X-API-KEY` value. */
  authenticate(presented: string | undefined): string {
    if (presented === undefined || presented === '') {
      throw new AuthenticationError('Missing API key: send it in the X-API-KEY header (E2B_API_KEY for the E2B SDK).');
    }
    const tenant = this.#tenantsByDigest.get(sha256Hex(presented));
    if (tenant === undefined) {
      throw new AuthenticationError('Invalid API key: it is not one this runner accepts. Check E2B_API_KEY / CODEBOX_API_KEY against the runner\'s keys.');
    }
    return tenant;
  }
}
