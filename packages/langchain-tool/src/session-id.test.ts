import { describe, expect, it } from 'vitest';
import { MissingSessionIdError } from './errors.js';
import { resolveSessionId } from './session-id.js';

describe('resolveSessionId', () => {
  it('uses the run thread id by default', () => {
    expect(resolveSessionId({ configurable: { thread_id: 'chat-1' } }, undefined, 'run_code')).toBe('chat-1');
    expect(resolveSessionId({ configurable: { thread_id: 7 } }, undefined, 'run_code')).toBe('7');
  });

  it('prefers a fixed id or a function of the runtime', () => {
    expect(resolveSessionId({ configurable: { thread_id: 'chat-1' } }, 'fixed', 'run_code')).toBe('fixed');
    expect(resolveSessionId({ configurable: { user: 'alice' } }, (runtime) => String(runtime.configurable?.user), 'run_code')).toBe('alice');
  });

  it('throws MissingSessionIdError naming the tool and the fix when there is no id', () => {
    for (const runtime of [{}, { configurable: {} }, { configurable: { thread_id: '' } }, { configurable: { thread_id: { nested: 1 } } }]) {
      expect(() => resolveSessionId(runtime, undefined, 'read_file')).toThrow(MissingSessionIdError);
    }
    const error = (() => {
      try {
        resolveSessionId({}, () => undefined, 'read_file');
      } catch (err) {
        return err as MissingSessionIdError;
      }
    })();
    expect(error?.name).toBe('MissingSessionIdError');
    expect(error?.message).toContain('"read_file"');
    expect(error?.message).toContain('configurable: { thread_id');
  });
});
