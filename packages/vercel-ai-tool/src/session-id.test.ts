import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_ID, resolveSessionId } from './session-id.js';

const call = { toolCallId: 'c1' };

describe('resolveSessionId', () => {
  it('takes the call context first (ai@7 toolsContext), then ai@6 experimental_context', () => {
    expect(resolveSessionId({ ...call, context: { sessionId: 'a' }, experimental_context: { sessionId: 'b' } }, 'opt')).toBe('a');
    expect(resolveSessionId({ ...call, experimental_context: { sessionId: 'b' } }, 'opt')).toBe('b');
  });

  it('falls back to the option (a string or a function of the call), then the default session', () => {
    expect(resolveSessionId(call, 'opt')).toBe('opt');
    expect(resolveSessionId(call, (c) => `user-of-${c.toolCallId}`)).toBe('user-of-c1');
    expect(resolveSessionId(call, () => undefined)).toBe(DEFAULT_SESSION_ID);
    expect(resolveSessionId(call, undefined)).toBe('default');
  });

  it('ignores contexts without a usable sessionId', () => {
    for (const context of [undefined, null, 'x', {}, { sessionId: '' }, { sessionId: 7 }]) {
      expect(resolveSessionId({ ...call, context, experimental_context: context }, 'opt')).toBe('opt');
    }
  });
});
