/**
 * Reads the server name (SNI) out of the first bytes a client sends, without terminating TLS:
 * the egress proxy needs the name a sandbox is heading for, and a ClientHello carries it in the
 * clear. Only the first TLS record is read; a ClientHello split over several records (rare; huge
 * post-quantum key shares can do it) is reassembled up to MAX_CLIENT_HELLO bytes.
 */

export type ClientHelloResult =
  /** More bytes are needed to decide. */
  | { readonly kind: 'incomplete' }
  /** Not a TLS handshake. */
  | { readonly kind: 'not-tls' }
  /** A ClientHello; `serverName` absent when it names no host (an IP-literal connection, say). */
  | { readonly kind: 'tls'; readonly serverName?: string };

/** A ClientHello is at most a few KiB; past this the sniffer gives up rather than buffer. */
export const MAX_CLIENT_HELLO = 16 * 1024 + 5;

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST = 0x00;

/** Bytes that start like a TLS handshake record (type 22, version 3.x). */
export function looksLikeTls(bytes: Buffer): boolean {
  return bytes.length >= 1 && bytes[0] === RECORD_HANDSHAKE && (bytes.length < 2 || bytes[1] === 0x03);
}

export function parseClientHello(bytes: Buffer): ClientHelloResult {
  if (bytes.length === 0) return { kind: 'incomplete' };
  if (!looksLikeTls(bytes)) return { kind: 'not-tls' };
  // Reassemble the handshake message from consecutive handshake records.
  const handshake: Buffer[] = [];
  let offset = 0;
  let collected = 0;
  let needed: number | undefined;
  while (needed === undefined || collected < needed) {
    if (bytes.length < offset + 5) return bytes.length >= MAX_CLIENT_HELLO ? { kind: 'not-tls' } : { kind: 'incomplete' };
    if (bytes[offset] !== RECORD_HANDSHAKE || bytes[offset + 1] !== 0x03) return { kind: 'not-tls' };
    const length = bytes.readUInt16BE(offset + 3);
    if (length === 0) return { kind: 'not-tls' };
    if (bytes.length < offset + 5 + length) return offset + 5 + length > MAX_CLIENT_HELLO ? { kind: 'not-tls' } : { kind: 'incomplete' };
    handshake.push(bytes.subarray(offset + 5, offset + 5 + length));
    collected += length;
    offset += 5 + length;
    if (needed === undefined) {
      const first = Buffer.concat(handshake);
      if (first.length < 4) continue;
      if (first[0] !== HANDSHAKE_CLIENT_HELLO) return { kind: 'not-tls' };
      needed = 4 + first.readUIntBE(1, 3);
      if (needed > MAX_CLIENT_HELLO) return { kind: 'not-tls' };
    }
  }
  const message = Buffer.concat(handshake).subarray(0, needed);
  try {
    return { kind: 'tls', ...serverNameOf(message) };
  } catch {
    return { kind: 'not-tls' };
  }
}

/** Walks a ClientHello handshake message to its server_name extension. Throws on truncation. */
function serverNameOf(message: Buffer): { serverName?: string } {
  const reader = new Reader(message.subarray(4));
  reader.advance(2 + 32); // legacy_version, random
  reader.advance(reader.u8()); // legacy_session_id
  reader.advance(reader.u16()); // cipher_suites
  reader.advance(reader.u8()); // legacy_compression_methods
  if (reader.remaining() === 0) return {};
  const extensions = new Reader(reader.take(reader.u16()));
  while (extensions.remaining() > 0) {
    const type = extensions.u16();
    const body = new Reader(extensions.take(extensions.u16()));
    if (type !== EXTENSION_SERVER_NAME) continue;
    const list = new Reader(body.take(body.u16()));
    while (list.remaining() > 0) {
      const nameType = list.u8();
      const name = list.take(list.u16());
      if (nameType === NAME_TYPE_HOST) return hostName(name.toString('latin1'));
    }
  }
  return {};
}

/** A DNS host name (LDH labels, dots), lower-cased without a trailing dot; anything else counts as no name. */
export function hostName(text: string): { serverName?: string } {
  const name = text.toLowerCase().replace(/\.$/, '');
  if (name.length === 0 || name.length > 253 || !/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(name)) return {};
  return { serverName: name };
}

class TruncatedError extends Error {
  override readonly name = 'TruncatedError';
}

class Reader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}
  remaining(): number {
    return this.bytes.length - this.at;
  }
  u8(): number {
    if (this.remaining() < 1) throw new TruncatedError();
    return this.bytes[this.at++] ?? 0;
  }
  u16(): number {
    if (this.remaining() < 2) throw new TruncatedError();
    const value = this.bytes.readUInt16BE(this.at);
    this.at += 2;
    return value;
  }
  take(length: number): Buffer {
    if (this.remaining() < length) throw new TruncatedError();
    const slice = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return slice;
  }
  advance(length: number): void {
    this.take(length);
  }
}
