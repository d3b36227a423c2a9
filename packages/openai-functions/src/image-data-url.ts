import type { ImagePart } from '@codebox/core-client';

/** An image as a `data:` URL, the form both OpenAI APIs take inline images in. */
export function imageDataUrl(image: ImagePart): string {
  return `data:${image.mimeType};base64,${image.data}`;
}
