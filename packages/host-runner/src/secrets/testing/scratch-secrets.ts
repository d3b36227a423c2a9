import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SecretStore } from '../secret-store.js';

/**
 * An empty secret store in a directory of its own, removed after the test file: for control-plane
 * tests that need the secrets API wired but do not test it. Call at module level or in a test.
 */
export function scratchSecrets(): SecretStore {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return SecretStore.empty(dir);
}
