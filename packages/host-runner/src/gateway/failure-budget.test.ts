import { describe, expect, it } from 'vitest';
import { FailureBudget } from './failure-budget.js';

describe('FailureBudget', () => {
  it('allows a burst of failures per client, then refills at its rate', () => {
    let now = 0;
    const budget = new FailureBudget({ burst: 3, perSecond: 2, now: () => now });
    for (let i = 0; i < 3; i++) {
      expect(budget.allows('a')).toBe(true);
      budget.charge('a');
    }
    expect(budget.allows('a')).toBe(false);
    // Another address has its own bucket.
    expect(budget.allows('b')).toBe(true);
    now += 499;
    expect(budget.allows('a')).toBe(false);
    now += 1;
    expect(budget.allows('a')).toBe(true);
    // Never more than the burst, however long the pause.
    now += 60_000;
    for (let i = 0; i < 3; i++) budget.charge('a');
    expect(budget.allows('a')).toBe(false);
  });

  it('forgets the least recently charged clients past its size', () => {
    const budget = new FailureBudget({ burst: 1, perSecond: 0, maxClients: 2, now: () => 0 });
    budget.charge('a');
    budget.charge('b');
    budget.charge('c');
    // 'a' was evicted: a fresh bucket again; 'b' and 'c' are still spent.
    expect(budget.allows('a')).toBe(true);
    expect(budget.allows('c')).toBe(false);
  });
});
