import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Clock } from './clock.js';
import { ExpiryScheduler } from './expiry-scheduler.js';

const DAY_MS = 24 * 3600 * 1000;

describe('ExpiryScheduler', () => {
  let expired: string[];
  let scheduler: ExpiryScheduler;

  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    expired = [];
    scheduler = new ExpiryScheduler((id) => expired.push(id));
  });
  afterEach(() => {
    scheduler.cancelAll();
    vi.useRealTimers();
  });

  it('fires at the deadline, not a millisecond before', () => {
    scheduler.schedule('a', new Date(Date.now() + 300));
    vi.advanceTimersByTime(299);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['a']);
    expect(scheduler.size).toBe(0);
  });

  it('fires a past deadline on the next turn, never inside schedule()', () => {
    scheduler.schedule('late', new Date(Date.now() - 5_000));
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(expired).toEqual(['late']);
  });

  it('keeps only the latest deadline of a sandbox, earlier or later', () => {
    scheduler.schedule('a', new Date(Date.now() + 1_000));
    scheduler.schedule('a', new Date(Date.now() + 60_000));
    vi.advanceTimersByTime(59_999);
    expect(expired).toEqual([]);
    scheduler.schedule('a', new Date(Date.now() + 10));
    vi.advanceTimersByTime(10);
    expect(expired).toEqual(['a']);
    vi.advanceTimersByTime(DAY_MS);
    expect(expired).toEqual(['a']);
  });

  it('cancel and cancelAll disarm', () => {
    scheduler.schedule('a', new Date(Date.now() + 100));
    scheduler.schedule('b', new Date(Date.now() + 100));
    scheduler.schedule('c', new Date(Date.now() + 100));
    scheduler.cancel('a');
    expect(scheduler.size).toBe(2);
    scheduler.cancelAll();
    expect(scheduler.size).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(expired).toEqual([]);
  });

  it('chains a wait longer than a Node timer can hold (2^31-1 ms) instead of firing at once', () => {
    const deadline = new Date(Date.now() + 30 * DAY_MS);
    scheduler.schedule('far', deadline);
    vi.advanceTimersByTime(2_147_483_647);
    expect(expired).toEqual([]);
    expect(scheduler.size).toBe(1);
    vi.advanceTimersByTime(deadline.getTime() - Date.now() - 1);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual(['far']);
  });
});

describe('ExpiryScheduler with an injected clock', () => {
  it('waits again when its timer fires before the clock reaches the deadline', () => {
    // A clock that lags its timers (e.g. the wall clock was set back): firing early must not expire.
    const timers: (() => void)[] = [];
    let now = 1_000;
    const clock: Clock = {
      now: () => now,
      setTimeout: (callback) => {
        timers.push(callback);
        return { unref: () => undefined };
      },
      clearTimeout: () => undefined,
    };
    const expired: string[] = [];
    const scheduler = new ExpiryScheduler((id) => expired.push(id), clock);
    scheduler.schedule('a', new Date(2_000));
    now = 1_500;
    timers.shift()?.();
    expect(expired).toEqual([]);
    expect(timers).toHaveLength(1);
    now = 2_000;
    timers.shift()?.();
    expect(expired).toEqual(['a']);
  });
});
