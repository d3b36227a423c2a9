import type Dockerode from 'dockerode';

/**
 * The last lines a container wrote, for error messages. Non-TTY logs arrive multiplexed
 * (8-byte frame header: stream, 3 zero bytes, big-endian length), so frames are unpacked here.
 */
export async function containerLogTail(container: Dockerode.Container, lines = 30): Promise<string> {
  try {
    const raw: unknown = await container.logs({ stdout: true, stderr: true, follow: false, tail: lines });
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
    return demuxDockerLogs(buf).trimEnd();
  } catch (err) {
    return `(logs unavailable: ${err instanceof Error ? err.message : String(err)})`;
  }
}

export function demuxDockerLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const stream = buf[offset];
    const size = buf.readUInt32BE(offset + 4);
    if ((stream !== 0 && stream !== 1 && stream !== 2) || buf[offset + 1] !== 0) {
      // Not framed (TTY container): the buffer is the raw text.
      return buf.toString('utf8');
    }
    parts.push(buf.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
