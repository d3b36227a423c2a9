import type { Socket } from 'node:net';
import koffi from 'koffi';

/**
 * Where a connection the kernel redirected to the egress proxy (iptables REDIRECT) was heading:
 * netfilter keeps the pre-NAT destination in conntrack and hands it out through
 * getsockopt(SOL_IP, SO_ORIGINAL_DST). Node has no binding for that socket option, so libc's
 * getsockopt is called through koffi (prebuilt FFI, no compiler needed at install).
 */
export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
}

export class OriginalDestinationError extends Error {
  override readonly name = 'OriginalDestinationError';
}

const SOL_IP = 0;
const SO_ORIGINAL_DST = 80;
const AF_INET = 2;
const SOCKADDR_IN_BYTES = 16;

type GetSockOpt = (fd: number, level: number, name: number, buf: Buffer, len: number[]) => number;
let getsockopt: GetSockOpt | undefined;

function libcGetsockopt(): GetSockOpt {
  getsockopt ??= koffi.load('libc.so.6').func('int getsockopt(int, int, int, _Out_ uint8_t *buf, _Inout_ uint32_t *len)') as GetSockOpt;
  return getsockopt;
}

/**
 * The file descriptor behind an accepted TCP socket. `_handle.fd` is Node-internal (libuv's
 * TCPWrap exposes it on Linux); this is the one place that reaches for it, so a Node upgrade that
 * moves it breaks here, loudly, and in this file's unit test.
 */
export function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new OriginalDestinationError('the socket has no file descriptor');
  return fd;
}

/** The IPv4 destination the client dialled before REDIRECT. Throws when the socket was not redirected. */
export function originalDestination(socket: Socket): OriginalDestination {
  const buffer = Buffer.alloc(SOCKADDR_IN_BYTES);
  const length = [SOCKADDR_IN_BYTES];
  const rc = libcGetsockopt()(socketFd(socket), SOL_IP, SO_ORIGINAL_DST, buffer, length);
  if (rc !== 0) throw new OriginalDestinationError(`getsockopt(SO_ORIGINAL_DST) failed (errno ${koffi.errno()})`);
  if (buffer.readUInt16LE(0) !== AF_INET) throw new OriginalDestinationError('the original destination is not IPv4');
  return { address: [...buffer.subarray(4, 8)].join('.'), port: buffer.readUInt16BE(2) };
}
