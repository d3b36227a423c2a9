import { MissingSessionIdError } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { sessionIdOf } from './session-id.js';

const call = { toolCallId: 'c1' };

describe('sessionIdOf', () => {
  it('takes the sessionId option first (a string or a function of the call)', () => {
    expect(sessionIdOf({ ...call, context: { sessionId: 'a' } }, 'opt', 'run_code')).toBe('opt');
    expect(sessionIdOf(call, (c) => `user-of-${c.toolCallId}`, 'run_code')).toBe('user-of-c1');
  });

  it('falls back to the call context (ai@7 toolsContext, then ai@6 experimental_context)', () => {
    expect(sessionIdOf({ ...call, context: { sessionId: 'a' }, experimental_context: { sessionId: 'b' } }, undefined, 'run_code')).toBe('a');
    expect(sessionIdOf({ ...call, experimental_context: { sessionId: 'b' } }, () => undefined, 'run_code')).toBe('b');
  });

  it('has no shared default: without an id the call fails with MissingSessionIdError', () => {
    for (const context of [undefined, null, 'x', {}, { sessionId: '' }, { sessionId: 7 }]) {
      expect(() => sessionIdOf({ ...call, context, experimental_context: context }, undefined, 'read_file')).toThrow(MissingSessionIdError);
    }
    expect(() => sessionIdOf(call, undefined, 'read_file')).toThrow(/"read_file".*toolsContext/);
  });
});
