import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { holdsMemory, listProcessMemory, rssOf, selfAndAncestors } from './guest-processes.js';
import { MiB } from './memory-units.js';

const root = mkdtempSync(join(tmpdir(), 'proc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function fakeProcess(pid: string, status: string, adj?: string): void {
  mkdirSync(join(root, pid));
  writeFileSync(join(root, pid, 'status'), status);
  if (adj !== undefined) writeFileSync(join(root, pid, 'oom_score_adj'), adj);
}

fakeProcess('1', 'Name:\tdocker-init\nState:\tS (sleeping)\nPPid:\t0\nVmRSS:\t     512 kB\n', '0\n');
fakeProcess('7', 'Name:\tnode\nState:\tS (sleeping)\nPPid:\t1\nVmRSS:\t   81920 kB\n', '0\n');
fakeProcess('42', 'Name:\tpython3\nState:\tR (running)\nPPid:\t7\nVmRSS:\t  307200 kB\n', '1000\n');
fakeProcess('43', 'Name:\tbash\nState:\tZ (zombie)\nVmRSS:\t    1024 kB\n', '1000\n');
fakeProcess('44', 'Name:\tkthread\nState:\tS (sleeping)\n', '0\n');
fakeProcess('45', 'Name:\tgone\nState:\tS (sleeping)\nVmRSS:\t    1024 kB\n');
mkdirSync(join(root, 'self'));

describe('guest processes', () => {
  it('lists processes that hold memory, with their OOM preference', () => {
    const listed = listProcessMemory(root).sort((a, b) => a.pid - b.pid);
    expect(listed).toEqual([
      { pid: 1, name: 'docker-init', rssBytes: 512 * 1024, oomScoreAdj: 0 },
      { pid: 7, name: 'node', rssBytes: 80 * MiB, oomScoreAdj: 0 },
      { pid: 42, name: 'python3', rssBytes: 300 * MiB, oomScoreAdj: 1000 },
    ]);
    expect(listProcessMemory(join(root, 'missing'))).toEqual([]);
  });

  it('reads one process’s resident memory; a zombie or a gone process holds none', () => {
    expect(rssOf(42, root)).toBe(300 * MiB);
    expect(rssOf(43, root)).toBeUndefined();
    expect(rssOf(99, root)).toBeUndefined();
    expect(rssOf(undefined, root)).toBeUndefined();
    expect([holdsMemory(42, root), holdsMemory(43, root), holdsMemory(99, root)]).toEqual([true, false, false]);
    expect(rssOf(process.pid)).toBeGreaterThan(10 * MiB);
  });

  it('finds a process and its ancestors up to init', () => {
    expect([...selfAndAncestors(42, root)].sort((a, b) => a - b)).toEqual([1, 7, 42]);
    expect([...selfAndAncestors(99, root)]).toEqual([99]);
    expect(selfAndAncestors().has(process.pid)).toBe(true);
  });
});
