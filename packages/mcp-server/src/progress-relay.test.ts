import { describe, expect, it, vi } from 'vitest';
import { ProgressRelay } from './progress-relay.js';

describe('ProgressRelay', () => {
  it('gathers output within the interval into one message per stream, stderr marked, sent in order', async () => {
    vi.useFakeTimers();
    try {
      const sent: string[] = [];
      const relay = new ProgressRelay(async (message) => void sent.push(message), { intervalMs: 100, maxChars: 4000 });
      relay.stdout('a\n');
      relay.stdout('b\n');
      relay.stderr('oops\n');
      expect(sent).toEqual([]);
      await vi.advanceTimersByTimeAsync(100);
      expect(sent).toEqual(['a\nb\n', 'stderr: oops\n']);
      relay.stdout('c\n');
      await relay.flush();
      expect(sent).toEqual(['a\nb\n', 'stderr: oops\n', 'c\n']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends nothing more once stopped', async () => {
    vi.useFakeTimers();
    try {
      const sent: string[] = [];
      const relay = new ProgressRelay(async (message) => void sent.push(message), { intervalMs: 100, maxChars: 4000 });
      relay.stdout('late\n');
      relay.stop();
      await vi.advanceTimersByTimeAsync(200);
      expect(sent).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('cuts a long message in the middle and survives a failed send', async () => {
    const sent: string[] = [];
    let fail = true;
    const relay = new ProgressRelay(
      async (message) => {
        if (fail) {
          fail = false;
          throw new Error('client gone');
        }
        sent.push(message);
      },
      { intervalMs: 0, maxChars: 600 },
    );
    relay.stdout('lost\n');
    relay.stdout('x'.repeat(5000));
    await relay.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.length).toBeLessThanOrEqual(600);
    expect(sent[0]).toContain('cut');
  });
});
