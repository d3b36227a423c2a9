import { describe, expect, it } from 'vitest';
import { ConnectionConfig, DEFAULT_API_URL } from './connection-config.js';
import { AuthenticationError, InvalidArgumentError } from './errors.js';

describe('ConnectionConfig', () => {
  it('defaults to a local runner that serves API and gateway on one port', () => {
    const config = new ConnectionConfig({}, {});
    expect(config.apiUrl).toBe(DEFAULT_API_URL);
    expect(config.sandboxUrl).toBe(DEFAULT_API_URL);
    expect(config.requestTimeoutMs).toBe(60_000);
    expect(config.apiKey).toBeUndefined();
    expect(config.debug).toBe(false);
  });

  it('prefers CODEBOX_* variables over E2B_* ones', () => {
    const config = new ConnectionConfig(
      {},
      {
        CODEBOX_API_URL: 'http://runner:8080/',
        E2B_API_URL: 'http://e2b:1',
        CODEBOX_API_KEY: 'e2b_aa',
        E2B_API_KEY: 'e2b_bb',
        E2B_SANDBOX_URL: 'http://gateway:9000',
      },
    );
    expect(config.apiUrl).toBe('http://runner:8080');
    expect(config.apiKey).toBe('e2b_aa');
    expect(config.sandboxUrl).toBe('http://gateway:9000');
  });

  it('falls back to E2B_* variables', () => {
    const config = new ConnectionConfig({}, { E2B_API_URL: 'http://e2b:1', E2B_API_KEY: 'e2b_bb' });
    expect(config.apiUrl).toBe('http://e2b:1');
    expect(config.sandboxUrl).toBe('http://e2b:1');
    expect(config.apiKey).toBe('e2b_bb');
  });

  it('lets options win over the environment', () => {
    const config = new ConnectionConfig(
      { apiUrl: 'http://opt:1', apiKey: 'e2b_cc', sandboxUrl: 'http://sbx:2', requestTimeoutMs: 5 },
      { CODEBOX_API_URL: 'http://env:1', CODEBOX_API_KEY: 'e2b_dd', CODEBOX_SANDBOX_URL: 'http://env:2' },
    );
    expect([config.apiUrl, config.apiKey, config.sandboxUrl, config.requestTimeoutMs]).toEqual([
      'http://opt:1',
      'e2b_cc',
      'http://sbx:2',
      5,
    ]);
  });

  it('uses the debug agent URL in debug mode', () => {
    const config = new ConnectionConfig({}, { E2B_DEBUG: 'true' });
    expect(config.debug).toBe(true);
    expect(config.sandboxUrl).toBe('http://localhost:49983');
  });

  it('names the environment variable when the API key is missing', () => {
    const config = new ConnectionConfig({}, {});
    expect(() => config.requireApiKey()).toThrow(AuthenticationError);
    expect(() => config.requireApiKey()).toThrow(/CODEBOX_API_KEY/);
  });

  it('rejects a malformed URL and says where it came from', () => {
    expect(() => new ConnectionConfig({}, { CODEBOX_API_URL: 'localhost:3000' })).toThrow(InvalidArgumentError);
    expect(() => new ConnectionConfig({ apiUrl: 'not a url' }, {})).toThrow(/apiUrl/);
  });

  it('rejects a negative request timeout', () => {
    expect(() => new ConnectionConfig({ requestTimeoutMs: -1 }, {})).toThrow(/requestTimeoutMs/);
  });

  it('builds a signal only when a timeout or a caller signal applies', () => {
    const config = new ConnectionConfig({ requestTimeoutMs: 0 }, {});
    expect(config.getSignal()).toBeUndefined();
    const caller = new AbortController();
    const signal = config.getSignal(undefined, caller.signal);
    caller.abort();
    expect(signal?.aborted).toBe(true);
    expect(config.getSignal(10)).toBeInstanceOf(AbortSignal);
  });
});
