import { describe, expect, it } from 'vitest';
import { demuxDockerLogs } from './container-logs.js';

function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

describe('demuxDockerLogs', () => {
  it('joins stdout and stderr frames in order', () => {
    expect(demuxDockerLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')]))).toBe('out\nerr\nmore');
  });

  it('passes unframed (TTY) output through', () => {
    expect(demuxDockerLogs(Buffer.from('plain text output'))).toBe('plain text output');
  });
});
