import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotARegularFileError } from '../errors.js';
import { refusedOpen, specialEntryOf } from './file-kind.js';

/** The errno a runtime chose for the failed open; gVisor answers a unix socket with EACCES, for one. */
const failure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: open failed`), { code });

describe('refusedOpen', () => {
  let dir: string;
  let server: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'file-kind-'));
    server = createServer();
    await new Promise<void>((resolve) => server.listen(join(dir, 'sock'), resolve));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    writeFileSync(join(dir, 'plain'), 'x');
    symlinkSync(join(dir, 'sock'), join(dir, 'sock-link'));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['sock', 'EACCES', 'a unix socket'],
    ['sock-link', 'EPERM', 'a unix socket'],
    ['fifo', 'ENXIO', 'a FIFO'],
  ])('names %s (open failed with %s) as %s, whatever the errno', (name, code, kind) => {
    const error = refusedOpen(failure(code), join(dir, name));
    expect(error).toBeInstanceOf(NotARegularFileError);
    expect((error as Error).message).toContain(kind);
  });

  it('names a terminal or other device a character device (gVisor answers /dev/tty with its own errno)', () => {
    const error = refusedOpen(failure('EIO'), '/dev/null');
    expect(error).toBeInstanceOf(NotARegularFileError);
    expect((error as Error).message).toContain('a character device');
  });

  it('leaves the open error alone for regular files, directories and paths that do not exist', () => {
    for (const path of [join(dir, 'plain'), dir, join(dir, 'missing'), join(dir, 'plain', 'below-a-file')]) {
      const original = failure('EACCES');
      expect(refusedOpen(original, path)).toBe(original);
    }
  });

  it('finds a special file by its directory entry, for when no stat may look at it (gVisor and sockets in /home/user)', () => {
    expect(specialEntryOf(join(dir, 'sock'))?.isSocket()).toBe(true);
    expect(specialEntryOf(join(dir, 'fifo'))?.isFIFO()).toBe(true);
    for (const name of ['plain', 'sock-link', 'missing']) expect(specialEntryOf(join(dir, name)), name).toBeUndefined();
    expect(specialEntryOf(join(dir, 'missing-dir', 'sock'))).toBeUndefined();
  });
});
