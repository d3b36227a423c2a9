import { describe, expect, it } from 'vitest';
import { checkTarget, measuredResult, unavailableResult } from './scenario.ts';
import { interleaved, percentile, summarize, timeEach } from './stats.ts';

describe('percentile', () => {
  it('is the nearest rank, whatever the order', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarize', () => {
  it('keeps n, percentiles, min, max, mean and the errors', () => {
    expect(summarize('s', [3, 1, 2], { errors: 2 })).toEqual({ name: 's', unit: 'ms', n: 3, p50: 2, p95: 3, p99: 3, min: 1, max: 3, mean: 2, errors: 2 });
  });

  it('has no numbers when every attempt failed (null, which JSON keeps)', () => {
    const s = summarize('s', [], { errors: 4, unit: 'MiB' });
    expect(s).toMatchObject({ n: 0, p50: null, min: null, mean: null, errors: 4, unit: 'MiB' });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe('timeEach', () => {
  it('counts a throw as an error, not as a number', async () => {
    const timed = await timeEach(4, async (i) => {
      if (i % 2) throw new Error(`no ${i}`);
    });
    expect(timed.ms).toHaveLength(2);
    expect(timed).toMatchObject({ errors: 2, firstError: 'Error: no 1' });
  });
});

describe('targets and results', () => {
  it('passes only a measured number on the right side', () => {
    const spec = { description: 'd', metric: 'm', op: '<=', value: 2, unit: 'ms' } as const;
    expect(checkTarget({ ...spec, actual: 2 }).pass).toBe(true);
    expect(checkTarget({ ...spec, actual: 2.001 }).pass).toBe(false);
    expect(checkTarget({ ...spec, op: '>=', actual: 3 }).pass).toBe(true);
    expect(checkTarget({ ...spec, actual: undefined })).toEqual({ ...spec, pass: false });
    expect(checkTarget({ ...spec, actual: null }).pass).toBe(false);
    expect(checkTarget({ ...spec, actual: Number.NaN }).pass).toBe(false);
  });

  it('works out the ratio to the baseline sample', () => {
    const result = measuredResult({
      id: 'x',
      title: 'X',
      runtime: 'runc',
      method: 'm',
      samples: [summarize('ours', [30]), summarize('docker', [10])],
      measured: 'ours',
      baseline: { sample: 'docker', note: 'n' },
    });
    expect(result).toMatchObject({ status: 'measured', ratio: 3, targets: [] });
    expect(measuredResult({ id: 'x', title: 'X', runtime: 'runc', method: 'm', samples: [summarize('ours', [])], measured: 'ours', baseline: { sample: 'ours', note: 'n' } }).ratio).toBeUndefined();
  });

  it('keeps an unavailable scenario in the report with its targets failed', () => {
    const result = unavailableResult({ id: 'w', title: 'W', runtime: 'runsc', method: 'm', reason: 'no pool', targets: [{ description: 'd', metric: 'm', op: '<=', value: 30, unit: 'ms' }] });
    expect(result).toMatchObject({ status: 'unavailable', reason: 'no pool', samples: [], targets: [{ pass: false }] });
  });
});

describe('interleaved', () => {
  it('warms each point up with as many untimed calls as it times (20 at least), then times them in alternating rounds', async () => {
    const calls: string[] = [];
    const point = (name: string) => ({ name, once: async () => void calls.push(name) });
    const [a, b] = await interleaved([point('a'), point('b')], 4, 2);
    expect([a?.n, b?.n]).toEqual([4, 4]);
    const timed = ['a', 'a', 'b', 'b', 'a', 'a', 'b', 'b'];
    expect(calls).toEqual([...Array(20).fill('a'), ...Array(20).fill('b'), ...timed]);
  });

  it('counts a timed call that throws as an error of its point, not a time', async () => {
    let n = 0;
    const flaky = { name: 'flaky', once: async () => (++n > 20 && n % 2 === 0 ? Promise.reject(new Error('boom')) : undefined) };
    const [summary] = await interleaved([flaky], 4, 1);
    expect(summary).toMatchObject({ n: 2, errors: 2, firstError: 'Error: boom' });
  });
});
