import { connect } from 'node:net';

export interface RawAnswer {
  /** The status code of the first response line, or undefined when the runner closed without answering. */
  status: number | undefined;
  /** Everything the runner sent before closing (or before `waitMs`). */
  text: string;
}

/**
 * Sends bytes as they are (no client-side validation, unlike fetch) to a loopback runner and
 * reads the answer until the runner closes the connection or `waitMs` passes.
 */
export function rawRequest(url: string, bytes: string | Buffer, { waitMs = 3000, localAddress }: { waitMs?: number; localAddress?: string } = {}): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), ...(localAddress ? { localAddress } : {}) });
    const chunks: Buffer[] = [];
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: match ? Number(match[1]) : undefined, text });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One complete response is all these probes need.
      const text = Buffer.concat(chunks).toString('latin1');
      const length = /content-length: (\d+)/i.exec(text);
      const bodyStart = text.indexOf('\r\n\r\n');
      if (length && bodyStart >= 0 && text.length >= bodyStart + 4 + Number(length[1])) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(bytes);
  });
}
