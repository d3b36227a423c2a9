import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMountPoint, probeLoopDisks } from './home-disk.js';
import { HostVolumeStore, volumePaths } from './volume-store.js';

const logger = pino({ level: 'silent' });
let dataDir: string;
let loop: Awaited<ReturnType<typeof probeLoopDisks>>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'volume-store-'));
  loop = await probeLoopDisks(dataDir, logger);
});
afterAll(() => {
  try {
    execFileSync('bash', ['-c', `grep -o '${dataDir}[^ ]*' /proc/mounts | xargs -r -n1 umount -l`]);
  } catch {
    // nothing mounted
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('HostVolumeStore', () => {
  it('keeps volumes per tenant across a restart and deletes only what it is told to', async () => {
    // The integration host runs the runner as root with loop devices (as the docker backend tests do).
    expect(loop).toEqual({ ok: true });
    const store = new HostVolumeStore({ dataDir, sizeMiB: 64, logger });
    await store.start(loop);
    const a = await store.create('tenant-a', 'data');
    await expect(store.create('tenant-a', 'data')).rejects.toMatchObject({ name: 'VolumeNameTakenError' });
    const b = await store.create('tenant-b', 'data');
    await expect(store.get('tenant-b', a.volumeId)).rejects.toMatchObject({ name: 'VolumeNotFoundError' });
    await expect(store.delete('tenant-b', a.volumeId)).rejects.toMatchObject({ name: 'VolumeNotFoundError' });
    expect((await store.list('tenant-a')).map((volume) => volume.volumeId)).toEqual([a.volumeId]);
    expect(await store.getByName('tenant-a', 'data')).toEqual(a);
    await expect(store.getByName('tenant-a', 'other')).rejects.toThrow(/named "other"/);

    // The content root needs the volume's own token.
    const root = await store.contentRoot(a.volumeId, a.token);
    await expect(store.contentRoot(a.volumeId, b.token)).rejects.toMatchObject({ name: 'VolumeTokenError' });
    await expect(store.contentRoot(a.volumeId, undefined)).rejects.toMatchObject({ name: 'VolumeTokenError' });
    writeFileSync(join(root, 'kept.txt'), 'kept');

    // A host reboot loses the loop mounts; a half-made volume (no volume.json) is a killed create.
    execFileSync('umount', [volumePaths(dataDir, a.volumeId).mount]);
    const halfMade = join(dataDir, 'volumes', 'vol-000000000000000000000000');
    mkdirSync(halfMade);
    writeFileSync(join(halfMade, 'volume.img'), '');
    const restarted = new HostVolumeStore({ dataDir, sizeMiB: 64, logger });
    await restarted.start(loop);
    expect(existsSync(halfMade)).toBe(false);
    expect(readFileSync(join(await restarted.contentRoot(a.volumeId, a.token), 'kept.txt'), 'utf8')).toBe('kept');

    await restarted.delete('tenant-a', a.volumeId);
    expect(existsSync(volumePaths(dataDir, a.volumeId).root)).toBe(false);
    expect(await isMountPoint(volumePaths(dataDir, a.volumeId).mount)).toBe(false);
    await restarted.delete('tenant-b', b.volumeId);
    expect(await restarted.list('tenant-b')).toEqual([]);
  });

  it('refuses volumes, with the reason, where loop mounts do not work', async () => {
    const store = new HostVolumeStore({ dataDir, sizeMiB: 64, logger });
    await store.start({ ok: false, reason: 'the runner is not root' });
    await expect(store.create('tenant-a', 'data')).rejects.toMatchObject({ name: 'VolumesUnavailableError', message: expect.stringContaining('the runner is not root') });
  });

  it('refuses a volume the data dir has no room for (507), making nothing', async () => {
    // The integration host runs the runner as root with loop devices (as the docker backend tests do).
    expect(loop).toEqual({ ok: true });
    // A 24 MiB data dir: a 1 GiB volume's mkfs metadata alone (~33 MiB) does not fit.
    const small = join(dataDir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', small]);
    try {
      const store = new HostVolumeStore({ dataDir: small, sizeMiB: 1024, logger });
      await store.start(loop);
      await expect(store.create('tenant-a', 'huge')).rejects.toMatchObject({ name: 'VolumeStorageFullError', message: expect.stringContaining('no room') });
      expect(await store.list('tenant-a')).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
