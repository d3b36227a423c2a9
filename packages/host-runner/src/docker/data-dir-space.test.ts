import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertDataDirHasRoom, dataDirFullErrorFor, sandboxFootprintBytes } from './data-dir-space.js';
import { HostCommandError } from '../host/errors.js';
import { DataDirFullError } from './errors.js';

const MiB = 1024 * 1024;

describe('data dir space', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-space-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts the home image metadata mkfs writes (about 1/32 of the size) plus headroom', () => {
    expect(sandboxFootprintBytes(1024, 'loop')).toBe((32 + 2 + 16) * MiB);
    expect(sandboxFootprintBytes(64, 'loop')).toBe((2 + 2 + 16) * MiB);
    expect(sandboxFootprintBytes(1024, 'tmpfs')).toBe(16 * MiB);
  });

  it('refuses before anything is made when the filesystem has less room than needed, naming the dir', async () => {
    await expect(assertDataDirHasRoom(dir, 0)).resolves.toBeUndefined();
    const refused = await assertDataDirHasRoom(dir, Number.MAX_SAFE_INTEGER).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DataDirFullError);
    expect((refused as DataDirFullError).name).toBe('DataDirFullError');
    expect((refused as Error).message).toContain(dir);
  });

  it('recognises a full disk however a create step reports it', () => {
    const enospc = (path?: string): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', ...(path ? { path } : {}) });
    for (const err of [
      enospc(`${dir}/sandboxes/x/etc/passwd`),
      enospc(),
      Object.assign(new Error('EDQUOT'), { code: 'EDQUOT', path: `${dir}/sandboxes/x/uid` }),
      new HostCommandError('mkfs.ext4 …', 1, 'mkfs.ext4: No space left on device while writing out and closing file system'),
      new HostCommandError('mount …', 32, 'mount: /x: failed to setup loop device: Could not allocate'),
    ]) {
      const mapped = dataDirFullErrorFor(err, dir);
      expect(mapped, String(err)).toBeInstanceOf(DataDirFullError);
      expect(mapped?.cause).toBe(err);
    }
  });

  it('leaves other failures alone, and ENOSPC of other filesystems (the uid claims dir)', () => {
    for (const err of [
      enospcAt('/run/codebox/sandbox-uids/1000000001'),
      Object.assign(new Error('EACCES'), { code: 'EACCES', path: `${dir}/x` }),
      new HostCommandError('mount …', 32, 'mount: wrong fs type'),
      new Error('anything else'),
      undefined,
    ]) {
      expect(dataDirFullErrorFor(err, dir)).toBeUndefined();
    }
  });
});

function enospcAt(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC'), { code: 'ENOSPC', path });
}
