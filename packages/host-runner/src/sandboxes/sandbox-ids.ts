import { randomBytes, randomInt } from 'node:crypto';

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const SANDBOX_ID_LENGTH = 20;

/**
 * 20 characters of `[a-z0-9]` (≈103 bits), like E2B's ids: no `-`, because SDKs split
 * `<port>-<id>.<domain>` hosts on it. `randomInt` avoids the modulo bias of byte % 36.
 */
export function generateSandboxId(): string {
  let id = '';
  for (let i = 0; i < SANDBOX_ID_LENGTH; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

/** The per-sandbox secret the gateway checks in `X-Access-Token` (256 bits, hex). */
export function generateAccessToken(): string {
  return randomBytes(32).toString('hex');
}

const SANDBOX_ID = new RegExp(`^[a-z0-9]{${SANDBOX_ID_LENGTH}}$`);

/**
 * Whether a caller-supplied string has the shape of a sandbox id. Checked at the edge (route
 * params, `E2b-Sandbox-Id`) and again before an id becomes part of a host path or a container
 * name, so nothing else (`..`, `/`, `%`, NUL) can ever get that far.
 */
export function isSandboxId(value: string): boolean {
  return SANDBOX_ID.test(value);
}
