import { describe, expect, it } from 'vitest';
import { PortSlots } from './port-slots.js';

describe('PortSlots', () => {
  it('admits up to the limit per sandbox, counts a release once, and keeps sandboxes apart', () => {
    const slots = new PortSlots(2);
    const a1 = slots.acquire('a');
    const a2 = slots.acquire('a');
    expect(a1 && a2).toBeTruthy();
    expect(slots.acquire('a')).toBeUndefined();
    expect(slots.acquire('b')).toBeTypeOf('function');
    a1?.();
    a1?.();
    expect(slots.inFlight('a')).toBe(1);
    expect(slots.acquire('a')).toBeTypeOf('function');
    expect(slots.acquire('a')).toBeUndefined();
  });
});
