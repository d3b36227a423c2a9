import { describe, expect, it } from 'vitest';
import { parseHttpHead } from './http-head.js';

const head = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('parseHttpHead', () => {
  it('reads the Host of a request, without the port, lower-cased', () => {
    expect(parseHttpHead(head('GET /x HTTP/1.1\r\nHost: Target.Test:8080\r\nAccept: */*\r\n\r\n'))).toEqual({ kind: 'http', host: 'target.test' });
    expect(parseHttpHead(head('POST / HTTP/1.0\r\nhost:a.b\r\n\r\nbody'))).toEqual({ kind: 'http', host: 'a.b' });
  });

  it('waits for the blank line, and for a method token to finish', () => {
    expect(parseHttpHead(head('GE'))).toEqual({ kind: 'incomplete' });
    expect(parseHttpHead(head('GET / HTTP/1.1\r\nHost: a.b\r\n'))).toEqual({ kind: 'incomplete' });
  });

  it('names no host when Host is missing, doubled or not a name', () => {
    expect(parseHttpHead(head('GET / HTTP/1.1\r\n\r\n'))).toEqual({ kind: 'http' });
    expect(parseHttpHead(head('GET / HTTP/1.1\r\nHost: a.b\r\nHost: c.d\r\n\r\n'))).toEqual({ kind: 'http' });
    expect(parseHttpHead(head('GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n'))).toEqual({ kind: 'http' });
    expect(parseHttpHead(head('GET / HTTP/1.1\r\nHost: a b\r\n\r\n'))).toEqual({ kind: 'http' });
  });

  it('rejects what is not HTTP/1.x, and heads past the size bound', () => {
    expect(parseHttpHead(head('SSH-2.0-OpenSSH\r\n'))).toEqual({ kind: 'not-http' });
    expect(parseHttpHead(Buffer.from([0x16, 0x03, 0x01]))).toEqual({ kind: 'not-http' });
    expect(parseHttpHead(head('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'))).toEqual({ kind: 'not-http' });
    expect(parseHttpHead(head(`GET / HTTP/1.1\r\nX: ${'a'.repeat(20_000)}`))).toEqual({ kind: 'not-http' });
  });
});
