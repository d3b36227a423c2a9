import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { keepaliveIntervalMs, withKeepalive } from './keepalive-stream.js';

async function* slow(): AsyncGenerator<string> {
  yield 'a';
  await sleep(130);
  yield 'b';
}

describe('withKeepalive', () => {
  it('inserts keepalives only while the source is idle and keeps order', async () => {
    const seen: string[] = [];
    for await (const item of withKeepalive(slow(), 50, () => 'ka')) seen.push(item);
    expect(seen[0]).toBe('a');
    expect(seen.at(-1)).toBe('b');
    expect(seen.filter((item) => item === 'ka').length).toBe(2);
  });

  it('reads the header in seconds with envd default 90', () => {
    expect(keepaliveIntervalMs('50')).toBe(50_000);
    expect(keepaliveIntervalMs(null)).toBe(90_000);
    expect(keepaliveIntervalMs('nonsense')).toBe(90_000);
    expect(keepaliveIntervalMs('-1')).toBe(90_000);
  });
});
