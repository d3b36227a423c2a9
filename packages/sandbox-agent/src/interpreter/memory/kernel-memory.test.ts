import { describe, expect, it } from 'vitest';
import type { SandboxMemory } from '../../memory/sandbox-memory.js';
import { rssOf } from '../../memory/guest-processes.js';
import { KernelMemory } from './kernel-memory.js';

const MiB = 1024 * 1024;

/** A cgroup whose OOM-kill counter the test moves. */
function fakeCgroup(): { cgroup: SandboxMemory; kills: { count: number } } {
  const kills = { count: 0 };
  const cgroup: SandboxMemory = { limitBytes: () => 512 * MiB, oomKills: () => kills.count };
  return { cgroup, kills };
}

describe('KernelMemory', () => {
  it('reads a live process’s resident memory and nothing for a gone one', () => {
    expect(rssOf(process.pid)).toBeGreaterThan(10 * MiB);
    expect(rssOf(2 ** 22 + 12345)).toBeUndefined();
    expect(rssOf(undefined)).toBeUndefined();
  });

  it('blames a SIGKILL on the OOM killer only when the counter moved, and each kill only once', () => {
    const { cgroup, kills } = fakeCgroup();
    const memory = new KernelMemory(cgroup);
    let deadPid: number | undefined = process.pid;
    const dead = { label: 'python context a', pid: () => deadPid };
    const live = { label: 'java context b', pid: () => process.pid };
    memory.register(dead);
    memory.register(live);
    memory.resetSample(dead);
    deadPid = undefined;

    // killed by something else: the counter has not moved since the kernel started
    expect(memory.oomVerdict(dead, 0)).toBeUndefined();
    kills.count = 1;
    const verdict = memory.oomVerdict(dead, 0);
    expect(verdict?.limitBytes).toBe(512 * MiB);
    expect(verdict?.holdings.map((holding) => holding.label).sort()).toEqual(['java context b', 'python context a']);
    expect(verdict?.holdings.every((holding) => holding.rssBytes > 0)).toBe(true);
    // the same kill is not blamed twice, nor a kill from before the kernel started
    expect(memory.oomVerdict(dead, 0)).toBeUndefined();
    kills.count = 2;
    expect(memory.oomVerdict(dead, 2)).toBeUndefined();
    kills.count = 3;
    expect(memory.oomVerdict(dead, 2)).toBeDefined();
    // one episode killing two kernels: each death is blamed on one of the two kills
    kills.count = 5;
    expect(memory.oomVerdict(dead, 3)).toBeDefined();
    expect(memory.oomVerdict(live, 3)).toBeDefined();
    expect(memory.oomVerdict(live, 3)).toBeUndefined();
  });

  it('says nothing without a readable cgroup', () => {
    const memory = new KernelMemory({ oomKills: () => undefined, limitBytes: () => undefined });
    expect(memory.oomVerdict({ label: 'x', pid: () => undefined }, undefined)).toBeUndefined();
  });
});
