import { hostName } from './client-hello.js';

/**
 * Reads the Host of a plain-HTTP request from the first bytes a client sends: the request line
 * and headers up to the blank line, at most MAX_HTTP_HEAD bytes. Nothing is rewritten; the
 * proxy only needs the name the request is for.
 */
export type HttpHeadResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'not-http' }
  /** An HTTP/1.x request; `host` absent when the Host header is missing or not a host name. */
  | { readonly kind: 'http'; readonly host?: string };

export const MAX_HTTP_HEAD = 16 * 1024;

const REQUEST_LINE_START = /^[A-Z]{3,10} /;

/** Whether the bytes so far can still be the start of an HTTP/1.x request line. */
function couldBeRequest(bytes: Buffer): boolean {
  const start = bytes.subarray(0, 11).toString('latin1');
  const token = /^[A-Z]*/.exec(start)?.[0] ?? '';
  if (token.length === start.length) return token.length <= 10;
  return REQUEST_LINE_START.test(start);
}

export function parseHttpHead(bytes: Buffer): HttpHeadResult {
  if (bytes.length === 0) return { kind: 'incomplete' };
  if (!couldBeRequest(bytes)) return { kind: 'not-http' };
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return bytes.length >= MAX_HTTP_HEAD ? { kind: 'not-http' } : { kind: 'incomplete' };
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  if (!/^[A-Z]{3,10} \S+ HTTP\/1\.[01]$/.test(lines[0] ?? '')) return { kind: 'not-http' };
  const hosts = lines.slice(1).filter((line) => /^host\s*:/i.test(line));
  // Two Host headers are a smuggling attempt, not a request with a name.
  if (hosts.length !== 1) return { kind: 'http' };
  const value = (hosts[0] ?? '').replace(/^host\s*:/i, '').trim();
  // host[:port]; an IPv6 literal is never a name.
  const name = /^([^:[\]]+)(?::\d{1,5})?$/.exec(value)?.[1];
  if (name === undefined) return { kind: 'http' };
  const parsed = hostName(name);
  return parsed.serverName === undefined ? { kind: 'http' } : { kind: 'http', host: parsed.serverName };
}
