import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PermissionDeniedError, UnauthenticatedError } from '../errors.js';
import { UserDirectory } from '../services/user-directory.js';
import { requestUser } from './request-user.js';

const dir = mkdtempSync(join(tmpdir(), 'codebox-users-'));
writeFileSync(
  join(dir, 'passwd'),
  'root:x:0:0:root:/root:/bin/bash\n# comment\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\nuser:x:1000:1000::/home/user:/bin/bash\n',
);
writeFileSync(join(dir, 'group'), 'root:x:0:\nstaff:x:1000:\n');
const users = new UserDirectory(join(dir, 'passwd'), join(dir, 'group'));
const basic = (name: string) => `Basic ${Buffer.from(`${name}:`).toString('base64')}`;

describe('requestUser', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the default user without a header, the Basic user with one, and username first', () => {
    expect(requestUser(users, 'user', undefined)).toEqual({ name: 'user', uid: 1000, gid: 1000, home: '/home/user' });
    expect(requestUser(users, 'user', basic('user')).uid).toBe(1000);
    expect(requestUser(users, 'user', basic(''), undefined).name).toBe('user');
    expect(() => requestUser(users, 'user', basic('user'), 'root')).toThrow(PermissionDeniedError);
  });

  it('refuses root with permission denied and unknown users or garbage as unauthenticated', () => {
    expect(() => requestUser(users, 'user', basic('root'))).toThrow(/root access is off/);
    expect(() => requestUser(users, 'user', basic('mallory'))).toThrow(UnauthenticatedError);
    expect(() => requestUser(users, 'user', 'Bearer abc')).toThrow(UnauthenticatedError);
  });

  it('refuses every other account of the template, and spellings of user that are not user, as unknown', () => {
    for (const name of ['daemon', 'nobody', 'bin', 'www-data', '0', '1', '1000', 'user ', ' user', '../user', 'USER', 'user\u0000']) {
      expect(() => requestUser(users, 'user', basic(name)), `Basic ${JSON.stringify(name)}`).toThrow(UnauthenticatedError);
      expect(() => requestUser(users, 'user', undefined, name), `username=${JSON.stringify(name)}`).toThrow(UnauthenticatedError);
    }
    expect(() => requestUser(users, 'user', undefined, 'root')).toThrow(PermissionDeniedError);
  });

  it('names owners and groups, falling back to numbers', () => {
    expect(users.userName(1000)).toBe('user');
    expect(users.groupName(1000)).toBe('staff');
    expect(users.userName(4242)).toBe('4242');
    expect(users.groupName(4242)).toBe('4242');
  });
});
