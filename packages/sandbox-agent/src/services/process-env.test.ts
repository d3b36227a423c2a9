import { describe, expect, it } from 'vitest';
import { buildProcessEnv } from './process-env.js';

const user = { name: 'user', uid: 1000, gid: 1000, home: '/home/user' };

describe('buildProcessEnv', () => {
  it('sets login basics, then sandbox envs, then request envs', () => {
    const env = buildProcessEnv(user, { A: 'sandbox', B: 'sandbox' }, { B: 'request' });
    expect(env).toMatchObject({ HOME: '/home/user', USER: 'user', LOGNAME: 'user', SHELL: '/bin/bash', LANG: 'C.UTF-8', A: 'sandbox', B: 'request' });
    expect(env.PATH).toContain('/usr/bin');
  });

  it("lets pip install into the user site, whose scripts come first on PATH, unless the sandbox says otherwise", () => {
    const env = buildProcessEnv(user, {}, {});
    expect(env.PIP_BREAK_SYSTEM_PACKAGES).toBe('1');
    expect(env.PATH?.split(':')[0]).toBe('/home/user/.local/bin');
    expect(buildProcessEnv(user, { PIP_BREAK_SYSTEM_PACKAGES: '0' }, {}).PIP_BREAK_SYSTEM_PACKAGES).toBe('0');
  });

  it('never passes CODEBOX_ variables, wherever they come from', () => {
    const env = buildProcessEnv(user, { CODEBOX_AGENT_SOCKET: '/run/x' }, { CODEBOX_SANDBOX_EXEC: '/x', OK: '1' });
    expect(Object.keys(env).filter((name) => name.startsWith('CODEBOX_'))).toEqual([]);
    expect(env.OK).toBe('1');
  });
});
