import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDirectories } from './make-directories.js';

describe('makeDirectories', () => {
  const root = mkdtempSync(join(tmpdir(), 'codebox-mkdirs-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('makes every missing level and accepts what exists', () => {
    makeDirectories(join(root, 'a/b/c'), 0o755);
    expect(statSync(join(root, 'a/b/c')).isDirectory()).toBe(true);
    expect(() => makeDirectories(join(root, 'a/b'), 0o755)).not.toThrow();
  });

  it('fails with the errno of the level it could not make', () => {
    writeFileSync(join(root, 'file'), 'x');
    expect(() => makeDirectories(join(root, 'file/sub'), 0o755)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    // EROFS (a read-only root, what Node's recursive mkdir reported as ENOENT) needs a sandbox:
    // test/conformance/envd-files-parity writes to /0/… and /etc/… there.
  });
});
