import { afterEach, describe, expect, it, vi } from 'vitest';
import { PhaseTimer } from './phase-timer.js';

describe('PhaseTimer', () => {
  afterEach(() => vi.useRealTimers());

  it('gives each step the time since the previous mark, adding up a step marked twice', () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    const timer = new PhaseTimer();
    vi.advanceTimersByTime(12);
    timer.mark('prepare');
    vi.advanceTimersByTime(300);
    timer.mark('start');
    vi.advanceTimersByTime(5);
    timer.mark('prepare');
    expect(timer.phases).toEqual({ prepare: 17, start: 300 });
  });
});
