import { describe, expect, it } from 'vitest';
import { executeLineSchema, executeRequestSchema } from './execute.js';

describe('execute wire schemas', () => {
  it('accepts the request bodies the official SDKs send (nulls included)', () => {
    expect(executeRequestSchema.parse({ code: '1', context_id: null, language: 'python', env_vars: null })).toMatchObject({ code: '1' });
    expect(executeRequestSchema.safeParse({ language: 'python' }).success).toBe(false);
  });

  it('parses every line type and rejects unknown ones', () => {
    for (const line of [
      { type: 'stdout', text: 'a\n', timestamp: '2026-01-01T00:00:00Z' },
      { type: 'result', text: '2', png: 'iVBOR', extra: { 'x/y': 1 }, is_main_result: true },
      { type: 'error', name: 'E', value: 'v', traceback: 't' },
      { type: 'number_of_executions', execution_count: 3 },
      { type: 'keepalive' },
      { type: 'end_of_execution' },
    ]) {
      expect(executeLineSchema.parse(line)).toEqual(line);
    }
    expect(executeLineSchema.safeParse({ type: 'unexpected' }).success).toBe(false);
  });
});
