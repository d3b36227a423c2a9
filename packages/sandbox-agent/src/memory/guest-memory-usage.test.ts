import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestMemoryUsage } from './guest-memory-usage.js';
import { MiB } from './memory-units.js';

const dir = mkdtempSync(join(tmpdir(), 'meminfo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GuestMemoryUsage', () => {
  it('reads AnonPages, again on each read, not the host-reclaimable Mapped', () => {
    const file = join(dir, 'meminfo');
    writeFileSync(file, 'MemTotal:         655360 kB\nMemFree:          477244 kB\nAnonPages:         53248 kB\nMapped:           124416 kB\n');
    const usage = new GuestMemoryUsage(file);
    expect(usage.read()).toBe(52 * MiB);
    writeFileSync(file, 'MemTotal:         655360 kB\nMemFree:          100000 kB\nAnonPages:        524288 kB\nMapped:           124416 kB\n');
    expect(usage.read()).toBe(512 * MiB);
    usage.close();
  });

  it('answers undefined when the file is missing or has no AnonPages', () => {
    expect(new GuestMemoryUsage(join(dir, 'missing')).read()).toBeUndefined();
    const file = join(dir, 'odd');
    writeFileSync(file, 'MemTotal: 1 kB\n');
    expect(new GuestMemoryUsage(file).read()).toBeUndefined();
  });

  it('reads the machine’s own /proc/meminfo', () => {
    const usage = new GuestMemoryUsage();
    expect(usage.read()).toBeGreaterThan(0);
    usage.close();
  });
});
