import { MissingSessionIdError } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { sessionIdOf } from './session-id.js';

describe('sessionIdOf', () => {
  it('uses the run thread id by default', () => {
    expect(sessionIdOf({ configurable: { thread_id: 'chat-1' } }, undefined, 'run_code')).toBe('chat-1');
    expect(sessionIdOf({ configurable: { thread_id: 7 } }, undefined, 'run_code')).toBe('7');
  });

  it('prefers a fixed id or a function of the runtime, falling back to the thread id', () => {
    expect(sessionIdOf({ configurable: { thread_id: 'chat-1' } }, 'fixed', 'run_code')).toBe('fixed');
    expect(sessionIdOf({ configurable: { user: 'alice' } }, (runtime) => String(runtime.configurable?.user), 'run_code')).toBe('alice');
    expect(sessionIdOf({ configurable: { thread_id: 'chat-1' } }, () => undefined, 'run_code')).toBe('chat-1');
  });

  it('throws MissingSessionIdError naming the tool and the fix when there is no id', () => {
    for (const runtime of [{}, { configurable: {} }, { configurable: { thread_id: '' } }, { configurable: { thread_id: { nested: 1 } } }]) {
      expect(() => sessionIdOf(runtime, undefined, 'read_file')).toThrow(MissingSessionIdError);
    }
    expect(() => sessionIdOf({}, () => undefined, 'read_file')).toThrow(/"read_file".*configurable: \{ thread_id/);
  });
});
