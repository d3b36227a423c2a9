import { describe, expect, it } from 'vitest';
import { permissionString } from './entry-info.js';

const stats = (mode: number, kind: 'file' | 'dir' | 'link') => ({
  mode: BigInt(mode),
  isDirectory: () => kind === 'dir',
  isSymbolicLink: () => kind === 'link',
});

describe('permissionString', () => {
  it('formats like Go fs.FileMode.String, as envd sends it', () => {
    expect(permissionString(stats(0o100644, 'file'))).toBe('-rw-r--r--');
    expect(permissionString(stats(0o40755, 'dir'))).toBe('drwxr-xr-x');
    expect(permissionString(stats(0o120777, 'link'))).toBe('Lrwxrwxrwx');
    expect(permissionString(stats(0o100600, 'file'))).toBe('-rw-------');
  });
});
