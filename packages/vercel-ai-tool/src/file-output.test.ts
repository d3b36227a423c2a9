import { describe, expect, it } from 'vitest';
import { fileOutput } from './file-output.js';

const PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('fileOutput', () => {
  it('returns text as it is when it fits', () => {
    expect(fileOutput('a.txt', new TextEncoder().encode('héllo\n'), 1000)).toEqual({ status: 'done', text: 'héllo\n', images: [], truncated: false });
  });

  it('cuts long text in the middle and says so', () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n');
    const output = fileOutput('log.txt', new TextEncoder().encode(text), 500);
    expect(output.truncated).toBe(true);
    expect(output.text.length).toBeLessThanOrEqual(500);
    expect(output.text).toMatch(/^line 0\n[\s\S]*characters \(\d+ lines\) cut[\s\S]*line 499$/);
  });

  it('recognises a PNG by its bytes, whatever its name, and returns it as an image', () => {
    const output = fileOutput('plot.dat', Buffer.from(PIXEL_PNG, 'base64'), 1000);
    expect(output).toEqual({ status: 'done', text: 'plot.dat: [image/png 1×1, 70 B]', images: [{ data: PIXEL_PNG, mediaType: 'image/png' }], truncated: false });
  });

  it('recognises a JPEG by its magic bytes', () => {
    const output = fileOutput('x.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]), 1000);
    expect(output.images).toEqual([{ data: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]).toString('base64'), mediaType: 'image/jpeg' }]);
  });

  it('describes other binary files instead of dumping them', () => {
    const output = fileOutput('a.bin', new Uint8Array([1, 0, 2, 3]), 1000);
    expect(output.text).toBe('a.bin: binary file, 4 B; not shown. Inspect it with run_command (e.g. `file`, `xxd | head`) or run_code.');
    expect(output.images).toEqual([]);
  });
});
