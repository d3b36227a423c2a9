import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A real PNG of the given size, base64 (patterned pixels, so it does not compress to nothing). */
export function pngBase64(width: number, height: number): string {
  const png = new PNG({ width, height });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 7919) % 251;
  return PNG.sync.write(png).toString('base64');
}

/** A real baseline JPEG of the given size, base64. */
export function jpegBase64(width: number, height: number): string {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31) % 256;
  return jpeg.encode({ data, width, height }, 80).data.toString('base64');
}
