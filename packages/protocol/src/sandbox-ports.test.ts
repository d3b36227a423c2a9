import { describe, expect, it } from 'vitest';
import { formatRawHttpResponse, isUserPort, parsePort } from './sandbox-ports.js';

describe('parsePort', () => {
  it('accepts decimal 1-65535 without leading zeros only', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort('8000')).toBe(8000);
    expect(parsePort('65535')).toBe(65535);
    for (const text of ['', '0', '65536', '99999', '08000', '0x1f40', '8000.0', '+80', '-1', ' 80', '80 ', '1e3', '８０']) {
      expect(parsePort(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});

describe('isUserPort', () => {
  it('is every port but the agent’s own', () => {
    expect(isUserPort(8000)).toBe(true);
    expect(isUserPort(1)).toBe(true);
    expect(isUserPort(49983)).toBe(false);
    expect(isUserPort(49999)).toBe(false);
    expect(isUserPort(0)).toBe(false);
    expect(isUserPort(70000)).toBe(false);
  });
});

describe('formatRawHttpResponse', () => {
  it('counts the body in bytes and closes the connection', () => {
    expect(formatRawHttpResponse(502, 'Bad Gateway', 'text/plain', 'é')).toBe(
      'HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\né',
    );
  });
});
