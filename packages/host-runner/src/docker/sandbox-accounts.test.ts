import { describe, expect, it } from 'vitest';
import { TemplateAccountsError } from './errors.js';
import { renumberSandboxUser } from './sandbox-accounts.js';

const passwd = [
  'root:x:0:0:root:/root:/bin/bash',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  '# a comment',
  'user:x:1000:1000::/home/user:/bin/bash',
  'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  '',
].join('\n');
const group = ['root:x:0:', 'sudo:x:27:user', 'user:x:1000:', ''].join('\n');

describe('renumberSandboxUser', () => {
  it('gives user and its group the sandbox uid/gid and leaves every other line as the template has it', () => {
    const out = renumberSandboxUser({ passwd, group }, 1_000_042, 1_000_042);
    expect(out.passwd.split('\n')).toEqual([
      'root:x:0:0:root:/root:/bin/bash',
      'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
      '# a comment',
      'user:x:1000042:1000042::/home/user:/bin/bash',
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      '',
    ]);
    expect(out.group).toBe('root:x:0:\nsudo:x:27:user\nuser:x:1000042:\n');
  });

  it('adds the group when the template has none named user', () => {
    expect(renumberSandboxUser({ passwd, group: 'root:x:0:' }, 7_000_000, 7_000_000).group).toBe('root:x:0:\nuser:x:7000000:\n');
  });

  it('refuses a template without user, and does not take a look-alike name for it', () => {
    expect(() => renumberSandboxUser({ passwd: 'root:x:0:0:root:/root:/bin/bash\n', group }, 1, 1)).toThrow(TemplateAccountsError);
    expect(() => renumberSandboxUser({ passwd: 'users:x:1000:1000::/home/user:/bin/bash\n', group }, 1, 1)).toThrow(TemplateAccountsError);
  });
});
