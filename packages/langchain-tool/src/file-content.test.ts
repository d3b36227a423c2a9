import { describe, expect, it } from 'vitest';
import { jpegBase64, pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { classifyFile } from './file-content.js';

describe('classifyFile', () => {
  it('recognizes PNG and JPEG by their signatures, with dimensions', () => {
    const png = classifyFile(Buffer.from(pngBase64(20, 10), 'base64'));
    expect(png.kind === 'image' && png.image.mimeType).toBe('image/png');
    expect(png.kind === 'image' && png.image.description).toMatch(/^\[image\/png 20×10, /);
    const jpeg = classifyFile(Buffer.from(jpegBase64(8, 8), 'base64'));
    expect(jpeg.kind === 'image' && jpeg.image.mimeType).toBe('image/jpeg');
  });

  it('decodes UTF-8 text, including an empty file', () => {
    expect(classifyFile(Buffer.from('naïve → ok\n'))).toEqual({ kind: 'text', text: 'naïve → ok\n' });
    expect(classifyFile(new Uint8Array())).toEqual({ kind: 'text', text: '' });
  });

  it('calls invalid UTF-8 and NUL-carrying bytes binary', () => {
    expect(classifyFile(Uint8Array.from([0xc3, 0x28, 0x41]))).toEqual({ kind: 'binary', bytes: 3 });
    expect(classifyFile(Buffer.from('ELF\0\0\x01'))).toEqual({ kind: 'binary', bytes: 6 });
  });
});
