import { readFileSync } from 'node:fs';

/**
 * The sandbox's memory in use as gVisor's kernel counts it: `MemTotal - MemFree` of its
 * `/proc/meminfo`, which the sentry computes from the memory it has committed for the sandbox
 * (anonymous memory, tmpfs, its page cache). One small read; undefined when it cannot be read.
 */
export function guestMemoryUsage(path = '/proc/meminfo'): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const total = /^MemTotal:\s+(\d+) kB$/m.exec(text)?.[1];
  const free = /^MemFree:\s+(\d+) kB$/m.exec(text)?.[1];
  if (total === undefined || free === undefined) return undefined;
  return (Number(total) - Number(free)) * 1024;
}
