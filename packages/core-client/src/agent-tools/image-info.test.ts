import { describe, expect, it } from 'vitest';
import { describeImage, formatBytes } from './image-info.js';
import { jpegBase64, pngBase64 } from './testing/test-images.js';

describe('describeImage', () => {
  it('reads PNG dimensions from the bytes', () => {
    const data = pngBase64(640, 480);
    const part = describeImage(data, 'image/png');
    expect(part).toMatchObject({ data, mimeType: 'image/png', width: 640, height: 480, bytes: Buffer.from(data, 'base64').length });
    expect(part.description).toBe(`[image/png 640×480, ${formatBytes(part.bytes)}]`);
  });

  it('reads JPEG dimensions from the bytes', () => {
    const part = describeImage(jpegBase64(33, 17), 'image/jpeg');
    expect(part).toMatchObject({ width: 33, height: 17 });
    expect(part.description).toMatch(/^\[image\/jpeg 33×17, \d+ (B|KB)\]$/);
  });

  it('still describes bytes that are not an image, by size alone', () => {
    const part = describeImage(Buffer.from('not an image at all').toString('base64'), 'image/png');
    expect(part.width).toBeUndefined();
    expect(part.description).toBe('[image/png, 19 B]');
  });
});

describe('formatBytes', () => {
  it('uses B, KB and MB', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(23 * 1024 + 100)).toBe('23 KB');
    expect(formatBytes(1.4 * 1024 * 1024)).toBe('1.4 MB');
  });
});
