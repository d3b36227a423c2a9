import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupMemory } from './cgroup-memory.js';

const MiB = 1024 * 1024;
const roots: string[] = [];
function cgroupRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cgroup-'));
  roots.push(root);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('CgroupMemory', () => {
  it('reads cgroup v2: memory.max, memory.events oom_kill, memory.peak', () => {
    const memory = new CgroupMemory(
      cgroupRoot({
        'memory.max': `${512 * MiB}\n`,
        'memory.events': 'low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n',
        'memory.peak': `${500 * MiB}\n`,
        'memory.current': `${300 * MiB}\n`,
        'memory.stat': `anon ${200 * MiB}\nactive_file ${60 * MiB}\ninactive_file ${40 * MiB}\n`,
      }),
    );
    expect(memory.usageBytes()).toBe(260 * MiB);
    expect(memory.limitBytes()).toBe(512 * MiB);
    expect(memory.oomKills()).toBe(2);
    expect(memory.peakBytes()).toBe(500 * MiB);
    expect(new CgroupMemory(cgroupRoot({ 'memory.max': 'max\n' })).limitBytes()).toBeUndefined();
  });

  it('reads cgroup v1: memory.limit_in_bytes, memory.oom_control oom_kill, max_usage_in_bytes', () => {
    const memory = new CgroupMemory(
      cgroupRoot({
        'memory/memory.limit_in_bytes': `${1024 * MiB}\n`,
        'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 7\n',
        'memory/memory.max_usage_in_bytes': `${900 * MiB}\n`,
        'memory/memory.usage_in_bytes': `${100 * MiB}\n`,
        'memory/memory.stat': `cache 0\ninactive_file ${5 * MiB}\ntotal_inactive_file ${10 * MiB}\n`,
      }),
    );
    expect(memory.usageBytes()).toBe(95 * MiB);
    expect(memory.limitBytes()).toBe(1024 * MiB);
    expect(memory.oomKills()).toBe(7);
    expect(memory.peakBytes()).toBe(900 * MiB);
    // No limit: the kernel's page-counter maximum.
    expect(new CgroupMemory(cgroupRoot({ 'memory/memory.limit_in_bytes': '9223372036854771712\n' })).limitBytes()).toBeUndefined();
  });

  it('answers undefined where there is no memory cgroup, or a kernel without the oom_kill counter', () => {
    const none = new CgroupMemory(cgroupRoot({}));
    expect([none.limitBytes(), none.oomKills(), none.peakBytes(), none.usageBytes()]).toEqual([undefined, undefined, undefined, undefined]);
    expect(new CgroupMemory(cgroupRoot({ 'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\n' })).oomKills()).toBeUndefined();
  });
});
