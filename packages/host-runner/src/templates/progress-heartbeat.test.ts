import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withHeartbeat } from './progress-heartbeat.js';

function recordingLogger() {
  const lines: { msg: string; elapsedMs?: number }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as { msg: string }) });
  return { logger, lines };
}

afterEach(() => vi.useRealTimers());

describe('withHeartbeat', () => {
  it('logs every interval while the work runs, and stops when it settles', async () => {
    vi.useFakeTimers();
    const { logger, lines } = recordingLogger();
    let finish!: (value: string) => void;
    const result = withHeartbeat(logger, 'still building', 1_000, () => new Promise<string>((resolve) => (finish = resolve)));
    await vi.advanceTimersByTimeAsync(3_500);
    expect(lines.map((l) => [l.msg, l.elapsedMs])).toEqual([
      ['still building', 1_000],
      ['still building', 2_000],
      ['still building', 3_000],
    ]);
    finish('done');
    expect(await result).toBe('done');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lines).toHaveLength(3);
  });

  it('stops on failure too, and passes the failure on', async () => {
    vi.useFakeTimers();
    const { logger, lines } = recordingLogger();
    await expect(withHeartbeat(logger, 'still building', 1_000, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lines).toEqual([]);
  });
});
