import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxUidsExhaustedError } from './errors.js';
import { SandboxUidAllocator } from './sandbox-uids.js';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
function claimsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-uids-'));
  dirs.push(dir);
  return dir;
}

describe('SandboxUidAllocator', () => {
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('hands every live sandbox its own uid in the range, also across allocators sharing the claims dir', async () => {
    const dir = claimsDir();
    const range = { first: 2_000_000, count: 40 };
    const a = new SandboxUidAllocator(dir, range, async () => true, logger);
    const b = new SandboxUidAllocator(dir, range, async () => true, logger);
    const uids = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).claim(`sandbox${String(i).padStart(12, '0')}`)));
    expect(new Set(uids).size).toBe(40);
    for (const uid of uids) expect(uid >= 2_000_000 && uid < 2_000_040).toBe(true);
    await expect(a.claim('one-too-many')).rejects.toBeInstanceOf(SandboxUidsExhaustedError);
  });

  it('hands root-enabled sandboxes whole 65,536-uid blocks that never overlap, and knows which uids are its blocks', async () => {
    const dir = claimsDir();
    const range = { first: 2 ** 30, count: 12 };
    const blocks = new SandboxUidAllocator(dir, range, async () => true, logger, 65_536);
    const firsts = await Promise.all(Array.from({ length: 12 }, (_, i) => blocks.claim(`sandbox${String(i).padStart(12, '0')}`)));
    expect(new Set(firsts).size).toBe(12);
    for (const first of firsts) {
      expect((first - 2 ** 30) % 65_536).toBe(0);
      expect(first < 2 ** 30 + 12 * 65_536).toBe(true);
      expect(blocks.holds(first)).toBe(true);
      expect(blocks.holds(first + 1)).toBe(false);
    }
    expect(blocks.holds(1_000_000_000)).toBe(false);
    expect(blocks.holds(2 ** 30 + 12 * 65_536)).toBe(false);
    await expect(blocks.claim('one-too-many')).rejects.toBeInstanceOf(SandboxUidsExhaustedError);
  });

  it('frees a uid only for the sandbox that holds it', async () => {
    const dir = claimsDir();
    const alloc = new SandboxUidAllocator(dir, { first: 3_000_000, count: 1 }, async () => true, logger);
    const uid = await alloc.claim('first');
    await alloc.release(uid, 'someone-else');
    await expect(alloc.claim('second')).rejects.toBeInstanceOf(SandboxUidsExhaustedError);
    await alloc.release(uid, 'first');
    expect(await alloc.claim('second')).toBe(uid);
  });

  it('takes over an old claim whose container is gone, never a young one or one whose container lives', async () => {
    const dir = claimsDir();
    let exists = true;
    const alloc = new SandboxUidAllocator(dir, { first: 4_000_000, count: 1 }, async () => exists, logger);
    writeFileSync(join(dir, '4000000'), 'crashed\n');
    exists = false;
    await expect(alloc.claim('young')).rejects.toBeInstanceOf(SandboxUidsExhaustedError);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, '4000000'), old, old);
    exists = true;
    await expect(alloc.claim('alive')).rejects.toBeInstanceOf(SandboxUidsExhaustedError);
    exists = false;
    expect(await alloc.claim('new')).toBe(4_000_000);
    expect(readdirSync(dir)).toEqual(['4000000']);
  });
});
