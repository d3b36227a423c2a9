import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ipythonInstalled } from './ipython-installed.js';

describe('ipythonInstalled', () => {
  const roots: string[] = [];
  const root = (...packageDirs: string[]): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ipython-installed-'));
    roots.push(dir);
    for (const packages of packageDirs) {
      mkdirSync(join(dir, packages, 'IPython'), { recursive: true });
      writeFileSync(join(dir, packages, 'IPython', '__init__.py'), '');
    }
    return dir;
  };
  afterEach(() => {
    for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("finds Debian's package and pip's under /usr/local", () => {
    expect(ipythonInstalled(root('usr/lib/python3/dist-packages'))).toBe(true);
    expect(ipythonInstalled(root('usr/local/lib/python3.13/dist-packages'))).toBe(true);
    expect(ipythonInstalled(root('usr/local/lib/python3.12/site-packages'))).toBe(true);
  });

  it('says no for a tree without it (the base template) or without any Python', () => {
    const bare = root();
    mkdirSync(join(bare, 'usr/lib/python3.13'), { recursive: true });
    expect(ipythonInstalled(bare)).toBe(false);
    expect(ipythonInstalled(join(bare, 'nonexistent'))).toBe(false);
  });
});
