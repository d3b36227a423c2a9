import { imageSize } from 'image-size';

/** An image a result carried, ready to hand to a model that takes images. */
export interface ImagePart {
  /** Base64 of the image bytes, as the sandbox sent it. */
  data: string;
  mimeType: 'image/png' | 'image/jpeg';
  width?: number;
  height?: number;
  /** Size of the decoded image in bytes. */
  bytes: number;
  /** The short text that stands for the image, e.g. `[image/png 640×480, 23 KB]`. */
  description: string;
}

/**
 * Reads an image's dimensions from its bytes (PNG IHDR, JPEG SOF; done by `image-size`) and
 * describes it. A payload that does not parse as an image still gets a description, without
 * dimensions: the model should learn that something was produced even when it is damaged.
 */
export function describeImage(base64: string, mimeType: ImagePart['mimeType']): ImagePart {
  const bytes = Buffer.from(base64, 'base64');
  const part: ImagePart = { data: base64, mimeType, bytes: bytes.length, description: '' };
  try {
    const { width, height } = imageSize(bytes);
    part.width = width;
    part.height = height;
  } catch {
    // Not a PNG/JPEG image-size can read: describe it by size alone.
  }
  const dimensions = part.width !== undefined && part.height !== undefined ? ` ${part.width}×${part.height}` : '';
  part.description = `[${mimeType}${dimensions}, ${formatBytes(bytes.length)}]`;
  return part;
}

/** `512 B`, `23 KB`, `1.4 MB`: short enough for a line a model reads. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
