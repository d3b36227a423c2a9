/** Data `files.write()` accepts. */
export type WriteData = string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream<Uint8Array>;

/** One file of a multi-file `files.write()`. */
export interface WriteEntry {
  path: string;
  data: WriteData;
}

export function isReadableStream(data: WriteData): data is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && data instanceof ReadableStream;
}

/** The data as a `Blob` (for multipart parts); a stream is read to its end first. */
export async function toBlob(data: WriteData): Promise<Blob> {
  if (data instanceof Blob) return data;
  if (isReadableStream(data)) return new Response(data).blob();
  return new Blob([asBlobPart(data)]);
}

/** The data as a request body (for octet-stream uploads); a stream is sent as it is read. */
export function toBody(data: WriteData): NonNullable<RequestInit['body']> {
  if (data instanceof Blob || isReadableStream(data) || typeof data === 'string') return data;
  return asBlobPart(data);
}

function asBlobPart(data: ArrayBuffer | ArrayBufferView | string): string | ArrayBuffer | Uint8Array<ArrayBuffer> {
  if (typeof data === 'string' || data instanceof ArrayBuffer) return data;
  // A view may cover part of a larger (or shared) buffer: copy exactly its bytes.
  return new Uint8Array(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}
