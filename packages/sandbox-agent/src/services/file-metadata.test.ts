import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { metadataFromHeaders, readMetadata, setMetadata, validateMetadata } from './file-metadata.js';
import { xattrBinding } from './xattr.js';

describe('file metadata', () => {
  const dir = mkdtempSync(join(tmpdir(), 'codebox-metadata-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads X-Metadata-* headers, keys lowercased (Node does), first value of each', () => {
    const request = { headersDistinct: { 'x-metadata-author': ['mish', 'other'], 'x-metadata-': ['empty key'], 'content-type': ['text/plain'] } };
    expect(metadataFromHeaders(request)).toEqual({ author: 'mish' });
    expect(metadataFromHeaders({ headersDistinct: {} })).toBeUndefined();
  });

  it('validates as envd: printable ASCII, key length, 4 KiB in all', () => {
    expect(() => validateMetadata({ author: 'mish', 'a.b-c': 'x y' })).not.toThrow();
    expect(() => validateMetadata(undefined)).not.toThrow();
    const bad: Record<string, string>[] = [{ '': 'v' }, { k: 'line\nbreak' }, { k: 'ünicode' }, { ['k'.repeat(247)]: 'v' }, { k: 'v'.repeat(4096) }];
    for (const metadata of bad) {
      expect(() => validateMetadata(metadata)).toThrow(InvalidArgumentError);
    }
  });

  it('replaces the user.e2b.* set and reads it back, leaving other xattrs alone', () => {
    const xattrs = xattrBinding();
    expect(xattrs).toBeDefined();
    const file = join(dir, 'f.txt');
    writeFileSync(file, 'x');
    xattrs?.setAttributeSync(file, 'user.other', 'keep');
    setMetadata(file, { author: 'mish', stage: 'one' });
    expect(readMetadata(file)).toEqual({ author: 'mish', stage: 'one' });
    setMetadata(file, { stage: 'two' });
    expect(readMetadata(file)).toEqual({ stage: 'two' });
    setMetadata(file, {});
    expect(readMetadata(file)).toBeUndefined();
    expect(xattrs?.listAttributesSync(file)).toEqual(['user.other']);
    // Not UTF-8 (set with setfattr): skipped, as envd does.
    xattrs?.setAttributeSync(file, 'user.e2b.bin', Buffer.from([0xff, 0xfe]));
    expect(readMetadata(file)).toBeUndefined();
  });

  it('has none where the file system has no xattrs, and clearing there is no error', () => {
    expect(readMetadata('/proc/self/status')).toBeUndefined();
    expect(() => setMetadata('/proc/self/status', {})).not.toThrow();
  });
});
