import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { effectiveExpiry, readExpiryFile, writeExpiryFile } from './expiry-file.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-expiry-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('expiry file', () => {
  it('round-trips an expiry as ms since epoch', async () => {
    const path = join(dir, 'expires-at');
    await writeExpiryFile(path, new Date(1_800_000_000_000));
    expect(await readFile(path, 'utf8')).toBe('1800000000000\n');
    expect(await readExpiryFile(path)).toEqual(new Date(1_800_000_000_000));
  });

  it('reads nothing from a missing or garbled file', async () => {
    expect(await readExpiryFile(join(dir, 'missing'))).toBeUndefined();
  });

  it('lets the file win over the label, also when it shortens the lifetime', () => {
    const label = new Date(2_000);
    expect(effectiveExpiry(label, undefined)).toBe(label);
    expect(effectiveExpiry(label, new Date(5_000))).toEqual(new Date(5_000));
    expect(effectiveExpiry(label, new Date(1_000))).toEqual(new Date(1_000));
  });
});
