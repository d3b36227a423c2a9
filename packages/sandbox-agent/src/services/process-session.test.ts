import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseStatIds, processGroupsOfSession } from './process-session.js';

describe('parseStatIds', () => {
  it('reads pgrp and session after a command name with spaces and parentheses', () => {
    expect(parseStatIds('42 (a) b (c)) S 1 40 39 0 -1 4194560')).toEqual({ group: 40, session: 39 });
  });

  it('answers undefined for a line it cannot read', () => {
    expect(parseStatIds('garbage')).toBeUndefined();
  });
});

describe('processGroupsOfSession', () => {
  it('finds every group of a session, including a job in a group of its own', async () => {
    // A new session (detached) whose shell starts one job in a separate process group.
    const child = spawn('/bin/bash', ['-c', 'set -m; sleep 30 & wait'], { detached: true, stdio: 'ignore' });
    try {
      const leader = child.pid ?? 0;
      await expect.poll(() => processGroupsOfSession(leader).length).toBe(2);
      expect(processGroupsOfSession(leader)).toContain(leader);
    } finally {
      for (const group of processGroupsOfSession(child.pid ?? 0)) process.kill(-group, 'SIGKILL');
    }
  });
});
