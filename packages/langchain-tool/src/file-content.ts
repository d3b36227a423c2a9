import { describeImage, type ImagePart } from '@codebox/core-client';

/** A file's bytes as a model can take them. */
export type FileContent = { kind: 'text'; text: string } | { kind: 'image'; image: ImagePart } | { kind: 'binary'; bytes: number };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/**
 * What a file is, judged by its bytes rather than its name (models name files freely): a PNG
 * or JPEG by its signature, text when it is valid UTF-8 without NUL bytes, else binary.
 */
export function classifyFile(bytes: Uint8Array): FileContent {
  if (startsWith(bytes, PNG_SIGNATURE)) return { kind: 'image', image: describeImage(Buffer.from(bytes).toString('base64'), 'image/png') };
  if (startsWith(bytes, JPEG_SIGNATURE)) return { kind: 'image', image: describeImage(Buffer.from(bytes).toString('base64'), 'image/jpeg') };
  if (bytes.includes(0)) return { kind: 'binary', bytes: bytes.length };
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'binary', bytes: bytes.length };
  }
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);
}
