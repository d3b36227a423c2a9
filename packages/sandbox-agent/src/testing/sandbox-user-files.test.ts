import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../../../../test/support/test-prerequisites.js';
import { reachableBy } from './sandbox-user-files.js';

describe('reachableBy', () => {
  const root = mkdtempSync(join(tmpdir(), 'codebox-reachable-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'checkout');
  const file = join(dir, 'bridge.mjs');
  mkdirSync(dir);
  writeFileSync(file, '');

  it('follows the mode bits of every directory above the file, as for an unprivileged user', () => {
    chmodSync(root, 0o755);
    chmodSync(file, 0o644);
    chmodSync(dir, 0o700); // a fresh clone in `mktemp -d`
    expect(reachableBy(file, 1000, 1000, 4)).toBe(false);
    chmodSync(dir, 0o755);
    expect(reachableBy(file, 1000, 1000, 4)).toBe(true);
    expect(reachableBy(file, 1000, 1000, 5)).toBe(false); // not executable
    chmodSync(file, 0o600);
    expect(reachableBy(file, 1000, 1000, 4)).toBe(false);
  });

  it('uses the owner and group bits for the owner and group', () => {
    requireRoot('reachableBy with files owned by uid 1000 (chown)');
    chmodSync(root, 0o755);
    chmodSync(file, 0o640);
    chmodSync(dir, 0o700);
    chownSync(dir, 1000, 0);
    chownSync(file, 0, 1000);
    expect(reachableBy(file, 1000, 1000, 4)).toBe(true);
    expect(reachableBy(file, 1001, 1001, 4)).toBe(false);
  });
});
