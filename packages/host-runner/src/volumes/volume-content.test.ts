import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requireRoot } from '../../../../test/support/test-prerequisites.js';
import { splitVolumePath, VolumeContent } from './volume-content.js';

let dir: string;
let root: string;
let outside: string;
let content: VolumeContent;
const owner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'volume-content-'));
  root = join(dir, 'volume');
  outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'host file');
  content = new VolumeContent(root, owner);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const body = (text: string): Readable => Readable.from([Buffer.from(text)]);
const text = async (stream: Readable): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
};

describe('splitVolumePath', () => {
  it('reads every spelling of a path inside the volume the same way and refuses ..', () => {
    expect(splitVolumePath('/a/b')).toEqual(['a', 'b']);
    expect(splitVolumePath('a//b/./')).toEqual(['a', 'b']);
    expect(splitVolumePath('/')).toEqual([]);
    expect(() => splitVolumePath('/a/../../etc')).toThrow(/\.\./);
    expect(() => splitVolumePath('/a\0')).toThrow(/NUL/);
  });
});

describe('VolumeContent', () => {
  it('writes, reads, stats, lists and removes', async () => {
    await content.makeDir('/d/e', { force: true });
    expect(await content.write('/d/e/f.txt', body('hi'), {})).toMatchObject({ name: 'f.txt', path: '/d/e/f.txt', type: 'file', size: 2, mode: 0o644 });
    await expect(content.write('/d/e/f.txt', body('again'), {})).rejects.toMatchObject({ name: 'VolumePathExistsError' });
    await content.write('/d/e/f.txt', body('again'), { force: true });
    expect(await text((await content.read('/d/e/f.txt')).stream)).toBe('again');
    expect(await content.stat('/')).toMatchObject({ type: 'directory', path: '/', name: '/' });
    expect((await content.list('/', 1)).map((entry) => entry.path)).toEqual(['/d']);
    expect((await content.list('/', 5)).map((entry) => entry.path)).toEqual(['/d', '/d/e', '/d/e/f.txt']);
    await expect(content.makeDir('/d', {})).rejects.toMatchObject({ name: 'VolumePathExistsError' });
    await expect(content.makeDir('/x/y', {})).rejects.toMatchObject({ name: 'VolumePathNotFoundError' });
    await expect(content.write('/nope/f', body('x'), {})).rejects.toMatchObject({ name: 'VolumePathNotFoundError' });
    await content.remove('/d');
    expect(existsSync(join(root, 'd'))).toBe(false);
    await expect(content.stat('/d')).rejects.toMatchObject({ name: 'VolumePathNotFoundError' });
    await expect(content.remove('/')).rejects.toMatchObject({ name: 'InvalidVolumeRequestError' });
  });

  it('sets the ids and mode it is asked for', async () => {
    requireRoot('setting owners on volume files (chown)');
    expect(await content.write('/o', body('x'), { uid: 1001, gid: 1002, mode: 0o600 })).toMatchObject({ uid: 1001, gid: 1002, mode: 0o600 });
    expect(await content.updateMetadata('/o', { uid: 1003 })).toMatchObject({ uid: 1003, gid: 1002, mode: 0o600 });
    expect(await content.makeDir('/m', { uid: 1000, gid: 1000, mode: 0o750 })).toMatchObject({ uid: 1000, gid: 1000, mode: 0o750, type: 'directory' });
  });

  it('never follows a symlink, wherever in the path it is', async () => {
    symlinkSync(outside, join(root, 'dir-link'));
    symlinkSync(join(outside, 'secret'), join(root, 'file-link'));
    for (const attempt of [
      () => content.read('/dir-link/secret'),
      () => content.read('/file-link'),
      () => content.write('/dir-link/new', body('x'), {}),
      () => content.write('/file-link', body('x'), { force: true }),
      () => content.list('/dir-link', 1),
      () => content.makeDir('/dir-link/sub', { force: true }),
      () => content.updateMetadata('/dir-link/secret', { mode: 0o777 }),
      () => content.remove('/dir-link/secret'),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ name: 'InvalidVolumeRequestError' });
    }
    expect(await content.stat('/file-link')).toMatchObject({ type: 'symlink', target: join(outside, 'secret') });
    await content.remove('/dir-link');
    await content.remove('/file-link');
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('host file');
    expect(lstatSync(outside).isDirectory()).toBe(true);
  });

  it('removes a tree containing links without touching their targets', async () => {
    await content.makeDir('/t/u', { force: true });
    symlinkSync(outside, join(root, 't', 'u', 'out'));
    await content.remove('/t');
    expect(existsSync(join(root, 't'))).toBe(false);
    expect(readFileSync(join(outside, 'secret'), 'utf8')).toBe('host file');
  });
});
