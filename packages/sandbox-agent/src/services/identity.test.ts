import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireRoot } from '../../../../test/support/test-prerequisites.js';
import { asUser, identitySwitch } from './identity.js';

const user = { name: 'user', uid: 1000, gid: 1000, home: '/home/user' };

describe('asUser', () => {
  beforeAll(() => requireRoot('asUser (switches uids)'));

  it('switches effective uid, gid and groups for the call and restores them', () => {
    const groupsBefore = process.getgroups?.();
    const inside = asUser(user, () => ({ uid: process.geteuid?.(), gid: process.getegid?.(), groups: process.getgroups?.() }));
    expect(inside).toEqual({ uid: 1000, gid: 1000, groups: [1000] });
    expect(process.geteuid?.()).toBe(0);
    expect(process.getegid?.()).toBe(0);
    expect(process.getgroups?.()).toEqual(groupsBefore);
  });

  it('switches only the calling thread (the built add-on): I/O on libuv\'s pool stays root meanwhile', async () => {
    expect(identitySwitch).toBe('thread');
    const pending = asUser(user, () => {
      const read = readFile('/etc/shadow');
      // Hold this thread as the user while a pool thread opens the file; a process-wide switch
      // (glibc's) would have made that thread the user too, and the open would fail with EACCES.
      const until = Date.now() + 50;
      while (Date.now() < until);
      return read;
    });
    await expect(pending).resolves.toBeInstanceOf(Buffer);
  });

  it('lets the kernel refuse root-only files and restores root after the error', () => {
    expect(() => asUser(user, () => readFileSync('/etc/shadow'))).toThrow(expect.objectContaining({ code: 'EACCES' }));
    expect(process.geteuid?.()).toBe(0);
    expect(readFileSync('/etc/shadow').length).toBeGreaterThan(0);
  });
});
