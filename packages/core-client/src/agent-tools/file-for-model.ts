import type { AgentSandbox } from './agent-sandbox.js';
import { describeImage, formatBytes, type ImagePart } from './image-info.js';
import { outputBudget, type ToolOutput, type ToolRun } from './tool-output.js';
import { truncateMiddle } from './truncate-middle.js';

/** What a file's bytes are, for a model. */
export type FileKind = { kind: 'text'; text: string } | { kind: 'image'; image: ImagePart } | { kind: 'binary' };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff];

/**
 * What a file is, judged by its bytes rather than its name (models name files freely): a PNG
 * by its full 8-byte signature, a JPEG by its 3-byte SOI marker, text when it is valid UTF-8
 * without NUL bytes (strict: a model must not read mangled text as if it were the file), else
 * binary.
 */
export function classifyFile(bytes: Uint8Array): FileKind {
  if (startsWith(bytes, PNG_SIGNATURE)) return { kind: 'image', image: describeImage(Buffer.from(bytes).toString('base64'), 'image/png') };
  if (startsWith(bytes, JPEG_SIGNATURE)) return { kind: 'image', image: describeImage(Buffer.from(bytes).toString('base64'), 'image/jpeg') };
  if (bytes.includes(0)) return { kind: 'binary' };
  try {
    return { kind: 'text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'binary' };
  }
}

/**
 * A file's bytes as the model gets them: text as it is (cut in the middle past `maxChars`), an
 * empty file said to be empty, a PNG/JPEG described in the text and returned as an image, other
 * binary files described by their size, not dumped.
 */
export function fileOutput(path: string, bytes: Uint8Array, maxChars: number): ToolOutput {
  const file = classifyFile(bytes);
  switch (file.kind) {
    case 'image':
      return { text: `${path}: ${file.image.description}`, images: [file.image], truncated: false };
    case 'binary':
      return {
        text: `${path}: binary file, ${formatBytes(bytes.length)}; not shown. Inspect it with run_command (e.g. \`file\`, \`xxd | head\`) or run_code.`,
        images: [],
        truncated: false,
      };
    case 'text':
      if (file.text === '') return { text: `${path} is empty (0 bytes).`, images: [], truncated: false };
      if (file.text.length <= maxChars) return { text: file.text, images: [], truncated: false };
      return { text: truncateMiddle(file.text, maxChars), images: [], truncated: true };
  }
}

export interface FileForModelOpts {
  signal?: AbortSignal;
  /** Budget of the text for the model. @default 4000 */
  maxOutputChars?: number;
}

/**
 * Reads a file from the sandbox for a model ({@link fileOutput}). A path with no file is the
 * model's mistake to correct, so it is answered (`FileNotFoundError` in `error`), not thrown;
 * other failures reject. The result is the file's bytes (`undefined` when there was none).
 */
export async function readFileForModel(
  sandbox: Pick<AgentSandbox, 'files'>,
  path: string,
  opts: FileForModelOpts = {},
): Promise<ToolRun<Uint8Array | undefined>> {
  const maxChars = outputBudget(opts.maxOutputChars);
  let bytes: Uint8Array;
  try {
    bytes = await sandbox.files.read(path, { format: 'bytes', ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    if (opts.signal?.aborted || !(err instanceof Error) || err.name !== 'FileNotFoundError') throw err;
    return {
      result: undefined,
      output: { text: `No file at ${path}: ${err.message}`, images: [], truncated: false, error: { name: err.name, value: err.message } },
    };
  }
  return { result: bytes, output: fileOutput(path, bytes, maxChars) };
}

/**
 * Writes a text file into the sandbox for a model (parent directories are created, an existing
 * file is replaced) and says what was written. The result is the write's info (the full path).
 */
export async function writeFileForModel<W extends { path: string }>(
  sandbox: { files: { write(path: string, data: string, opts?: { signal?: AbortSignal }): Promise<W> } },
  path: string,
  content: string,
  opts: Pick<FileForModelOpts, 'signal'> = {},
): Promise<ToolRun<W>> {
  const info = await sandbox.files.write(path, content, opts.signal ? { signal: opts.signal } : {});
  return { result: info, output: { text: `Wrote ${formatBytes(Buffer.byteLength(content))} to ${info.path}.`, images: [], truncated: false } };
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);
}
