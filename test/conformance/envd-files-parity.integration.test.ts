import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox as CodeboxSandbox, FilesystemEvent } from '@codebox/core-client';
import { runscExclusion } from '../support/runsc-exclusions.js';
import { useRunner } from '../support/use-runner.js';
import { clients } from './clients.js';

const runner = useRunner();

/**
 * File semantics E2B's suites expect of envd 0.6.x (each was a failing test of E2B's js-sdk or
 * python-sdk suites against Codebox): metadata, watch entries,
 * Remove of a missing path, Stat of symlinks, the events of a write, permission errors.
 */
describe.each(clients)('envd file semantics ($name client)', ({ module }) => {
  const { Sandbox, FileType, FilesystemEventType, FileNotFoundError, InvalidArgumentError } = module;
  let sandbox: CodeboxSandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create('base');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('advertises envd 0.6.4', async () => {
    const res = await fetch(`${runner().url}/sandboxes/${sandbox.sandboxId}`, { headers: { 'X-API-KEY': runner().keys[0] } });
    expect(((await res.json()) as { envdVersion: string }).envdVersion).toBe('0.6.4');
  });

  it('keeps metadata written with a file, in getInfo, list, rename and the write answer', runscExclusion('file-metadata-gvisor-xattrs'), async () => {
    const metadata = { author: 'mish', purpose: 'upload' };
    const written = await sandbox.files.write('meta.txt', 'content', { metadata });
    expect(written.metadata).toEqual(metadata);
    expect((await sandbox.files.getInfo('meta.txt')).metadata).toEqual(metadata);
    const octet = await sandbox.files.write('meta-octet.txt', 'content', { metadata, useOctetStream: true });
    expect(octet.metadata).toEqual(metadata);

    await sandbox.files.makeDir('meta-dir');
    await sandbox.files.write('meta-dir/listed.txt', 'content', { metadata: { tag: 'listed' } });
    const listed = (await sandbox.files.list('meta-dir')).find((entry) => entry.name === 'listed.txt');
    expect(listed?.metadata).toEqual({ tag: 'listed' });

    expect((await sandbox.files.rename('meta.txt', 'meta-renamed.txt')).metadata).toEqual(metadata);

    const many = await sandbox.files.writeFiles([{ path: 'multi-1.txt', data: '1' }, { path: 'multi-2.txt', data: '2' }], { metadata: { source: 'suite' } });
    for (const info of many) expect((await sandbox.files.getInfo(info.path)).metadata).toEqual({ source: 'suite' });
  });

  it('clears metadata on an overwrite without it, and has none for plain files', runscExclusion('file-metadata-gvisor-xattrs'), async () => {
    await sandbox.files.write('overwrite.txt', 'first', { metadata: { author: 'mish' } });
    const second = await sandbox.files.write('overwrite.txt', 'second');
    expect(second.metadata).toBeUndefined();
    expect((await sandbox.files.getInfo('overwrite.txt')).metadata).toBeUndefined();
  });

  it('surfaces user.e2b.* xattrs set inside the sandbox', runscExclusion('file-metadata-gvisor-xattrs'), async () => {
    await sandbox.files.write('xattr.txt', 'content');
    await sandbox.commands.run(`python3 -c "import os; os.setxattr('/home/user/xattr.txt', 'user.e2b.author', b'mish'); os.setxattr('/home/user/xattr.txt', 'user.other', b'x')"`);
    expect((await sandbox.files.getInfo('xattr.txt')).metadata).toEqual({ author: 'mish' });
  });

  it('refuses invalid metadata before writing the file', async () => {
    await expect(sandbox.files.write('bad-meta.txt', 'x', { metadata: { 'bad key': 'v' } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(sandbox.files.write('bad-meta.txt', 'x', { metadata: { good: 'bad\nvalue' } })).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await sandbox.files.exists('bad-meta.txt')).toBe(false);
    // Past the client's checks, the agent's: 4 KiB of metadata at most (one ext4 block).
    const raw = await fetch(`${runner().url}/files?path=big-meta.txt`, {
      method: 'POST',
      body: 'x',
      headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'X-Access-Token': accessTokenOf(sandbox), 'Content-Type': 'application/octet-stream', 'X-Metadata-Big': 'v'.repeat(5000) },
    });
    expect(raw.status).toBe(400);
    expect(await sandbox.files.exists('big-meta.txt')).toBe(false);
  });

  it('removes a missing path without an error', async () => {
    await expect(sandbox.files.remove('does-not-exist.txt')).resolves.toBeUndefined();
  });

  it('describes symlinks as envd: the target\'s type, the resolved target', async () => {
    await sandbox.commands.run('echo hi > target.txt && mkdir -p target-dir && ln -sf target.txt link.txt && ln -sfn target-dir link-dir && ln -sf nowhere dangling');
    const file = await sandbox.files.getInfo('link.txt');
    expect(file).toMatchObject({ type: FileType.FILE, symlinkTarget: '/home/user/target.txt', permissions: 'Lrwxrwxrwx' });
    const dir = await sandbox.files.getInfo('link-dir');
    expect(dir).toMatchObject({ type: FileType.DIR, symlinkTarget: '/home/user/target-dir' });
    const dangling = await sandbox.files.getInfo('dangling');
    expect(dangling.type).toBeUndefined();
    expect(dangling.symlinkTarget).toBe('/home/user/nowhere');
    // A linked directory is listed, not entered.
    const listed = await sandbox.files.list('.', { depth: 2 });
    expect(listed.some((entry) => entry.path.startsWith('/home/user/link-dir/'))).toBe(false);
  });

  it('reports a new file\'s write as three events, as envd does, with entries when asked', async () => {
    await sandbox.files.makeDir('watched');
    const events: FilesystemEvent[] = [];
    const handle = await sandbox.files.watchDir('watched', (event) => void events.push(event), { includeEntry: true });
    try {
      await sandbox.files.write('watched/new.txt', 'content');
      await expect.poll(() => events.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
      // The count settles: no fourth event follows.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(events.map((event) => event.name)).toEqual(['new.txt', 'new.txt', 'new.txt']);
      expect(events[0]?.type).toBe(FilesystemEventType.CREATE);
      expect(events[2]?.type).toBe(FilesystemEventType.WRITE);
      expect(events[2]?.entry).toMatchObject({ name: 'new.txt', path: '/home/user/watched/new.txt', type: FileType.FILE });
    } finally {
      await handle.stop();
    }
    const mounts = await sandbox.files.watchDir('watched', () => undefined, { allowNetworkMounts: true });
    await mounts.stop();
  });

  it('answers writes the user may not make with permission errors, not "not found" or 500', async () => {
    for (const path of ['/0/multi_test_file0.txt', '/etc/new.txt', '/opt/codebox/x']) {
      const error = await sandbox.files.write(path, 'x').then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error, path).toBeInstanceOf(Error);
      expect(error, path).not.toBeInstanceOf(FileNotFoundError);
      expect(String((error as Error).message), path).toMatch(/permission denied|read-only file system/);
    }
    await expect(sandbox.files.makeDir('/0/dir')).rejects.toThrow(/permission denied|read-only file system/);
  });
});

/** The access token both clients keep (a protected field of ours, a private one of `e2b`'s). */
function accessTokenOf(sandbox: CodeboxSandbox): string {
  const token = (sandbox as unknown as { envdAccessToken?: string }).envdAccessToken;
  if (!token) throw new Error('the sandbox has no access token: create it secure');
  return token;
}
