import type { Socket } from 'node:net';
import { MAX_CLIENT_HELLO, parseClientHello } from './client-hello.js';
import { MAX_HTTP_HEAD, parseHttpHead } from './http-head.js';

/** What the client's first bytes said about where it is going. */
export interface FirstBytes {
  /** Everything read so far; the proxy replays it to the destination. */
  readonly bytes: Buffer;
  readonly protocol: 'tls' | 'http' | 'other' | 'silent';
  /** TLS SNI or HTTP Host, lower-case. */
  readonly name?: string;
}

const LIMIT = Math.max(MAX_CLIENT_HELLO, MAX_HTTP_HEAD);

/** Classifies bytes read so far; undefined while more could change the answer. */
export function classify(bytes: Buffer): Omit<FirstBytes, 'bytes'> | undefined {
  if (bytes.length === 0) return undefined;
  const tls = parseClientHello(bytes);
  if (tls.kind === 'tls') return { protocol: 'tls', ...(tls.serverName ? { name: tls.serverName } : {}) };
  const http = parseHttpHead(bytes);
  if (http.kind === 'http') return { protocol: 'http', ...(http.host ? { name: http.host } : {}) };
  if (tls.kind === 'not-tls' && http.kind === 'not-http') return { protocol: 'other' };
  return bytes.length >= LIMIT ? { protocol: 'other' } : undefined;
}

/**
 * Reads the client's first bytes until they name a host, prove not to, or `waitMs` passes
 * (bounded in size too). The socket is left paused with nothing consumed but what is returned.
 */
export function readFirstBytes(socket: Socket, waitMs: number): Promise<FirstBytes> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (result: Omit<FirstBytes, 'bytes'>): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.pause();
      resolve({ bytes: Buffer.concat(chunks, length), ...result });
    };
    const settle = (): void => {
      const bytes = Buffer.concat(chunks, length);
      finish(classify(bytes) ?? { protocol: length === 0 ? 'silent' : 'other' });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      length += chunk.length;
      const result = classify(Buffer.concat(chunks, length));
      if (result) finish(result);
    };
    const onEnd = (): void => settle();
    const timer = setTimeout(settle, waitMs);
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.resume();
  });
}
