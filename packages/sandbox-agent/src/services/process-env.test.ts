import { describe, expect, it } from 'vitest';
import { buildProcessEnv } from './process-env.js';

const user = { name: 'user', uid: 1000, gid: 1000, home: '/home/user' };

describe('buildProcessEnv', () => {
  it('sets login basics, then sandbox envs, then request envs', () => {
    const env = buildProcessEnv(user, { A: 'sandbox', B: 'sandbox' }, { B: 'request' });
    expect(env).toMatchObject({ HOME: '/home/user', USER: 'user', LOGNAME: 'user', SHELL: '/bin/bash', LANG: 'C.UTF-8', A: 'sandbox', B: 'request' });
    expect(env.PATH).toContain('/usr/bin');
  });

  it('never passes CODEBOX_ variables, wherever they come from', () => {
    const env = buildProcessEnv(user, { CODEBOX_AGENT_SOCKET: '/run/x' }, { CODEBOX_SANDBOX_EXEC: '/x', OK: '1' });
    expect(Object.keys(env).filter((name) => name.startsWith('CODEBOX_'))).toEqual([]);
    expect(env.OK).toBe('1');
  });
});
