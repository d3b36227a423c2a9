import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * A client connection whose first bytes were already read (the egress proxy sniffed the TLS
 * ClientHello or HTTP request head to learn the name), presented again as one stream that starts
 * with them. `socket.unshift` is not enough: Node's HTTP server and TLSSocket read a net.Socket's
 * handle directly and would never see unshifted bytes.
 *
 * It stands in for a socket where Node's HTTP server expects one (timeouts, no-delay, addresses),
 * delegating to the real socket; backpressure runs both ways.
 */
export class PrefixedSocket extends Duplex {
  readonly #socket: Socket;

  constructor(socket: Socket, firstBytes: Buffer) {
    super({ allowHalfOpen: true });
    this.#socket = socket;
    if (firstBytes.length > 0) this.push(firstBytes);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error) => this.destroy(error));
    socket.on('close', () => this.destroy());
    socket.on('timeout', () => this.emit('timeout'));
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#socket.remotePort;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.#socket.setTimeout(ms);
    if (callback) this.once('timeout', callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.#socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.#socket.setKeepAlive(enable, delay);
    return this;
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#socket.write(chunk, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#socket.destroy();
    callback(error);
  }
}
