import { describe, expect, it } from 'vitest';
import { MissingSessionIdError } from './errors.js';
import { resolveSessionId } from './session-id.js';

const tool = { name: 'run_code', hint: 'pass one' };

describe('resolveSessionId', () => {
  it('takes the option first (a string, or a function of the call), then the id the call carries', () => {
    expect(resolveSessionId({}, 'fixed', 'thread', tool)).toBe('fixed');
    expect(resolveSessionId({ user: 'alice' }, (call) => call.user, 'thread', tool)).toBe('alice');
    expect(resolveSessionId({}, () => undefined, 'thread', tool)).toBe('thread');
    expect(resolveSessionId({}, '', 'thread', tool)).toBe('thread');
  });

  it('has no default: without an id it throws MissingSessionIdError with the tool and the hint', () => {
    expect(() => resolveSessionId({}, undefined, undefined, tool)).toThrow(MissingSessionIdError);
    expect(() => resolveSessionId({}, () => '', '', tool)).toThrow(/"run_code".*pass one/);
  });
});
