import { describe, expect, it } from 'vitest';
import { classifyFile, fileOutput } from './file-for-model.js';
import { jpegBase64, pngBase64 } from './testing/test-images.js';

describe('classifyFile', () => {
  it('recognizes PNG (whole signature) and JPEG by their bytes, with dimensions', () => {
    const png = classifyFile(Buffer.from(pngBase64(20, 10), 'base64'));
    expect(png.kind === 'image' && png.image.description).toMatch(/^\[image\/png 20×10, /);
    const jpeg = classifyFile(Buffer.from(jpegBase64(8, 8), 'base64'));
    expect(jpeg.kind === 'image' && jpeg.image.mimeType).toBe('image/jpeg');
    // The first four bytes of the signature are not enough (0x89 alone is not UTF-8, so: binary).
    expect(classifyFile(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x41]))).toEqual({ kind: 'binary' });
  });

  it('decodes UTF-8 text strictly; invalid UTF-8 and NUL bytes are binary', () => {
    expect(classifyFile(Buffer.from('naïve → ok\n'))).toEqual({ kind: 'text', text: 'naïve → ok\n' });
    expect(classifyFile(Uint8Array.from([0xc3, 0x28, 0x41]))).toEqual({ kind: 'binary' });
    expect(classifyFile(Buffer.from('ELF\0\0\x01'))).toEqual({ kind: 'binary' });
  });
});

describe('fileOutput', () => {
  it('says an empty file is empty, and cuts long text in the middle within the budget', () => {
    expect(fileOutput('e.txt', new Uint8Array(), 1000).text).toBe('e.txt is empty (0 bytes).');
    const long = fileOutput('log.txt', Buffer.from(Array.from({ length: 500 }, (_, i) => `line ${i}`).join('\n')), 500);
    expect(long.truncated).toBe(true);
    expect(long.text.length).toBeLessThanOrEqual(500);
    expect(long.text).toMatch(/^line 0\n[\s\S]*\[… \d+ characters \(\d+ lines\) cut …\][\s\S]*line 499$/);
  });
});
