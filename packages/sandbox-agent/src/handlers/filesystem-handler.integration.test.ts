import { chownSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Code } from '@connectrpc/connect';
import { filesystemPb } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAgent, TEST_GID, TEST_UID, type AgentFixture } from '../testing/agent-fixture.js';

const { FileType, EventType } = filesystemPb;

describe('filesystem service (real agent)', () => {
  let fx: AgentFixture;
  let secretFile: string;
  beforeAll(async () => {
    fx = await startAgent();
    // A root-only directory beside the home, standing in for /opt/codebox and /run/codebox.
    const secretDir = join(fx.root, 'secret');
    mkdirSync(secretDir, { mode: 0o700 });
    secretFile = join(secretDir, 'token');
    writeFileSync(secretFile, 'root only', { mode: 0o600 });
    writeFileSync(join(fx.home, 'hello.txt'), 'hello');
    chownSync(join(fx.home, 'hello.txt'), TEST_UID, TEST_GID);
    symlinkSync(secretFile, join(fx.home, 'link-to-secret'));
  });
  afterAll(() => fx.close());

  it('stats a file with envd EntryInfo fields; relative paths resolve against home', async () => {
    const { entry } = await fx.filesystem.stat({ path: 'hello.txt' });
    expect(entry).toMatchObject({
      name: 'hello.txt',
      type: FileType.FILE,
      path: join(fx.home, 'hello.txt'),
      size: 5n,
      permissions: '-rw-r--r--',
      owner: 'user',
      group: 'user',
    });
    expect(entry?.mode).toBe(0o644);
    expect(Math.abs(Number(entry?.modifiedTime?.seconds) * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it("reports a symlink as envd does: its target's type and resolved path, the link's own permissions", async () => {
    symlinkSync('hello.txt', join(fx.home, 'link-to-hello'));
    const { entry } = await fx.filesystem.stat({ path: 'link-to-hello' });
    expect(entry).toMatchObject({ type: FileType.FILE, symlinkTarget: join(fx.home, 'hello.txt'), permissions: 'Lrwxrwxrwx', mode: 0o644 });
    // A target the user cannot reach has no type (envd: UNSPECIFIED); where it points is still said.
    const secret = await fx.filesystem.stat({ path: 'link-to-secret' });
    expect(secret.entry).toMatchObject({ type: FileType.UNSPECIFIED, symlinkTarget: secretFile, mode: 0 });
  });

  it('makes, lists (with depth), moves and removes directories', async () => {
    const made = await fx.filesystem.makeDir({ path: 'work/a/b' });
    expect(made.entry).toMatchObject({ type: FileType.DIRECTORY, path: join(fx.home, 'work/a/b'), owner: 'user' });
    await expect(fx.filesystem.makeDir({ path: 'work/a' })).rejects.toMatchObject({ code: Code.AlreadyExists });
    writeFileSync(join(fx.home, 'work/a/b/deep.txt'), 'x');

    const shallow = await fx.filesystem.listDir({ path: 'work' });
    expect(shallow.entries.map((entry) => entry.name)).toEqual(['a']);
    const deep = await fx.filesystem.listDir({ path: 'work', depth: 3 });
    expect(deep.entries.map((entry) => entry.path)).toEqual([
      join(fx.home, 'work/a'),
      join(fx.home, 'work/a/b'),
      join(fx.home, 'work/a/b/deep.txt'),
    ]);

    const moved = await fx.filesystem.move({ source: 'work/a', destination: 'work/renamed/a' });
    expect(moved.entry?.path).toBe(join(fx.home, 'work/renamed/a'));
    expect(existsSync(join(fx.home, 'work/renamed/a/b/deep.txt'))).toBe(true);

    await fx.filesystem.remove({ path: 'work' });
    expect(existsSync(join(fx.home, 'work'))).toBe(false);
    // envd's Remove is os.RemoveAll: a path that is already gone is removed.
    await expect(fx.filesystem.remove({ path: 'work' })).resolves.toBeDefined();
    await expect(fx.filesystem.stat({ path: 'missing' })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it('lets the kernel refuse root-only paths, whatever the path spelling', async () => {
    const traversal = `../../secret/token`;
    await expect(fx.filesystem.stat({ path: traversal })).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(fx.filesystem.listDir({ path: join(fx.root, 'secret') })).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(fx.filesystem.remove({ path: secretFile })).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(fx.filesystem.move({ source: secretFile, destination: 'stolen' })).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(fx.filesystem.makeDir({ path: join(fx.root, 'secret/x') })).rejects.toMatchObject({ code: Code.PermissionDenied });
    // Moving the link itself is fine (it is the user's), but the target stays unreadable.
    expect(readFileSync(secretFile, 'utf8')).toBe('root only');
  });

  it('rejects NUL bytes and over-long names with invalid_argument', async () => {
    await expect(fx.filesystem.stat({ path: 'a\0b' })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(fx.filesystem.makeDir({ path: 'n'.repeat(5000) })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(fx.filesystem.stat({ path: `${'d/'.repeat(2100)}x` })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it('refuses root and unknown users', async () => {
    await expect(fx.filesystem.stat({ path: 'hello.txt' }, { headers: fx.auth('root') })).rejects.toMatchObject({ code: Code.PermissionDenied });
    await expect(fx.filesystem.stat({ path: 'hello.txt' }, { headers: fx.auth('ghost') })).rejects.toMatchObject({ code: Code.Unauthenticated });
  });

  it('streams WatchDir events: start first, then create and write, recursively with entries', async () => {
    mkdirSync(join(fx.home, 'watched/sub'), { recursive: true });
    const abort = new AbortController();
    const events: filesystemPb.WatchDirResponse['event'][] = [];
    const watching = (async () => {
      try {
        for await (const response of fx.filesystem.watchDir(
          { path: 'watched', recursive: true, includeEntry: true },
          { signal: abort.signal, headers: { 'Keepalive-Ping-Interval': '1' } },
        )) {
          events.push(response.event);
        }
      } catch {
        // aborted by the test
      }
    })();
    const fsEvents = () => events.flatMap((event) => (event.case === 'filesystem' ? [event.value] : []));
    await vi.waitFor(() => expect(events[0]?.case).toBe('start'));
    writeFileSync(join(fx.home, 'watched/sub/new.txt'), 'data');
    mkdirSync(join(fx.home, 'watched/sub/later'));
    // The agent adds the new directory's watch before it reports the directory, so once the
    // event is here a file created inside it is seen.
    await vi.waitFor(() => expect(fsEvents()).toContainEqual(expect.objectContaining({ name: 'sub/later', type: EventType.CREATE })));
    writeFileSync(join(fx.home, 'watched/sub/later/inner.txt'), 'x');
    await vi.waitFor(
      () => {
        expect(fsEvents()).toContainEqual(expect.objectContaining({ name: 'sub/later/inner.txt', type: EventType.CREATE }));
        expect(events.some((event) => event.case === 'keepalive')).toBe(true);
      },
      { timeout: 10_000 },
    );
    abort.abort();
    await watching;

    expect(fsEvents()).toContainEqual(expect.objectContaining({ name: 'sub/new.txt', type: EventType.CREATE }));
    expect(fsEvents()).toContainEqual(expect.objectContaining({ name: 'sub/new.txt', type: EventType.WRITE }));
    const created = fsEvents().find((event) => event.name === 'sub/new.txt');
    expect(created?.entry).toMatchObject({ name: 'new.txt', type: FileType.FILE });
  });

  it('refuses to watch a directory the user cannot read', async () => {
    const stream = fx.filesystem.watchDir({ path: join(fx.root, 'secret') });
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: Code.PermissionDenied });
  });

  it('supports polling watchers', async () => {
    mkdirSync(join(fx.home, 'polled'));
    const { watcherId } = await fx.filesystem.createWatcher({ path: 'polled' });
    writeFileSync(join(fx.home, 'polled/file.txt'), 'a');
    // Each poll drains what arrived since the last one; collect until the create and the write are in.
    const seen: filesystemPb.FilesystemEvent[] = [];
    await vi.waitFor(async () => {
      seen.push(...(await fx.filesystem.getWatcherEvents({ watcherId })).events);
      expect(seen).toContainEqual(expect.objectContaining({ name: 'file.txt', type: EventType.CREATE }));
      expect(seen).toContainEqual(expect.objectContaining({ name: 'file.txt', type: EventType.WRITE }));
    });
    expect((await fx.filesystem.getWatcherEvents({ watcherId })).events).toEqual([]);
    await fx.filesystem.removeWatcher({ watcherId });
    await expect(fx.filesystem.getWatcherEvents({ watcherId })).rejects.toMatchObject({ code: Code.NotFound });
  });
});
