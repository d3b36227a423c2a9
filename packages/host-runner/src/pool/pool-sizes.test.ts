import { describe, expect, it } from 'vitest';
import { parsePoolSizes, PoolSizesError } from './pool-sizes.js';

describe('parsePoolSizes', () => {
  it('reads template=size pairs; 0 keeps an entry that turns that pool off', () => {
    expect(parsePoolSizes('code-interpreter-v1=2,base=1')).toEqual({ 'code-interpreter-v1': 2, base: 1 });
    expect(parsePoolSizes(' base=0 ')).toEqual({ base: 0 });
    expect(parsePoolSizes('')).toEqual({});
  });

  it.each(['base', 'base=-1', 'base=1.5', 'base=65', '=2', 'base=two'])('refuses %j, naming the entry', (text) => {
    expect(() => parsePoolSizes(text)).toThrow(PoolSizesError);
    expect(() => parsePoolSizes(text)).toThrow(/template=size/);
  });
});
