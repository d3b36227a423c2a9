import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseRootfsSource, probeRootfsHost } from './rootfs-source.js';

const rootWithDebootstrap = { uid: 0, debootstrap: '/usr/sbin/debootstrap' };

describe('chooseRootfsSource', () => {
  it('auto uses debootstrap only when it is installed and the runner is root', () => {
    expect(chooseRootfsSource('auto', rootWithDebootstrap)).toMatchObject({ source: 'debootstrap' });
    expect(chooseRootfsSource('auto', rootWithDebootstrap).unusable).toBeUndefined();
    const notRoot = chooseRootfsSource('auto', { uid: 1000, debootstrap: '/usr/sbin/debootstrap' });
    expect(notRoot).toMatchObject({ source: 'registry', reason: expect.stringMatching(/not root \(uid 1000\)/) });
    const missing = chooseRootfsSource('auto', { uid: 0, debootstrap: undefined });
    expect(missing).toMatchObject({ source: 'registry', reason: expect.stringMatching(/debootstrap is not installed/) });
    expect(missing.unusable).toBeUndefined();
  });

  it('honours a forced source, and marks forced debootstrap unusable when the host cannot run it', () => {
    expect(chooseRootfsSource('registry', rootWithDebootstrap)).toMatchObject({ source: 'registry', reason: expect.stringMatching(/is registry/) });
    expect(chooseRootfsSource('debootstrap', rootWithDebootstrap).unusable).toBeUndefined();
    expect(chooseRootfsSource('debootstrap', { uid: 1000, debootstrap: '/usr/sbin/debootstrap' })).toMatchObject({
      source: 'debootstrap',
      unusable: expect.stringMatching(/not root/),
    });
    expect(chooseRootfsSource('debootstrap', { uid: 0, debootstrap: undefined })).toMatchObject({
      source: 'debootstrap',
      unusable: expect.stringMatching(/not installed/),
    });
  });
});

describe('probeRootfsHost', () => {
  it('finds debootstrap only as an executable on PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codebox-path-'));
    try {
      const missingDir = join(dir, 'bin');
      await writeFile(join(dir, 'debootstrap'), '#!/bin/sh\n');
      expect((await probeRootfsHost({ PATH: dir })).debootstrap).toBeUndefined();
      await chmod(join(dir, 'debootstrap'), 0o755);
      expect((await probeRootfsHost({ PATH: `${missingDir}:${dir}` })).debootstrap).toBe(join(dir, 'debootstrap'));
      expect((await probeRootfsHost({})).debootstrap).toBeUndefined();
      expect((await probeRootfsHost({ PATH: dir })).uid).toBe(process.getuid?.());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
