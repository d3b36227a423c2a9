import { describeImage, formatBytes, truncateMiddle } from '@codebox/core-client';
import type { FinishedOutput } from './tool-output.js';

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47];
const JPEG_MAGIC = [0xff, 0xd8, 0xff];

/**
 * A file's bytes as a tool result: PNG and JPEG files (recognised by their bytes, not their
 * name) become an image part the model can look at; text is returned within `maxChars`, its
 * middle cut when long; other binary files are described, not dumped.
 */
export function fileOutput(path: string, bytes: Uint8Array, maxChars: number): FinishedOutput {
  const mediaType = startsWith(bytes, PNG_MAGIC) ? 'image/png' : startsWith(bytes, JPEG_MAGIC) ? 'image/jpeg' : undefined;
  if (mediaType) {
    const image = describeImage(Buffer.from(bytes).toString('base64'), mediaType);
    return { status: 'done', text: `${path}: ${image.description}`, images: [{ data: image.data, mediaType }], truncated: false };
  }
  if (bytes.includes(0)) {
    return {
      status: 'done',
      text: `${path}: binary file, ${formatBytes(bytes.length)}; not shown. Inspect it with run_command (e.g. \`file\`, \`xxd | head\`) or run_code.`,
      images: [],
      truncated: false,
    };
  }
  const text = new TextDecoder().decode(bytes);
  if (text.length <= maxChars) return { status: 'done', text, images: [], truncated: false };
  return { status: 'done', text: truncateMiddle(text, maxChars), images: [], truncated: true };
}

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return magic.every((byte, i) => bytes[i] === byte);
}
