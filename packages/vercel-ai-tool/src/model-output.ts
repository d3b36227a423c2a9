import type { Tool } from 'ai';
import { installedAiMajor } from './ai-major.js';
import type { CodeboxToolOutput, ToolImage } from './tool-output.js';

/** The AI SDK's `ToolResultOutput` (not exported by `ai` itself). */
export type ModelOutput = Awaited<ReturnType<NonNullable<Tool['toModelOutput']>>>;
type ContentPart = Extract<ModelOutput, { type: 'content' }>['value'][number];

/**
 * How images are handed over: ai@7 deprecates `image-data` parts (warning on every use) in
 * favour of `file` parts with tagged data, which ai@6 does not know. Read once per process.
 */
const imagePartStyle: 'file' | 'image-data' = (installedAiMajor() ?? 7) >= 7 ? 'file' : 'image-data';

/**
 * The tool result the model gets (the tools' `toModelOutput`): the text alone, or the text
 * followed by the images as image parts, so a vision model sees the charts it made.
 */
export function toModelOutput({ output }: { output: CodeboxToolOutput }): ModelOutput {
  return modelOutput(output, imagePartStyle);
}

/** {@link toModelOutput} for a given image part style (both are tested whatever `ai` is installed). */
export function modelOutput(output: CodeboxToolOutput, style: 'file' | 'image-data'): ModelOutput {
  if (output.status === 'running') {
    // The AI SDK converts final results only; a caller converting a snapshot gets it said plainly.
    const streams = [output.stdout && `stdout:\n${output.stdout}`, output.stderr && `stderr:\n${output.stderr}`].filter(Boolean);
    return { type: 'text', value: ['(still running)', ...streams].join('\n') };
  }
  if (output.images.length === 0) return { type: 'text', value: output.text };
  return { type: 'content', value: [{ type: 'text', text: output.text }, ...output.images.map((image) => imagePart(image, style))] };
}

function imagePart(image: ToolImage, style: 'file' | 'image-data'): ContentPart {
  if (style === 'image-data') return { type: 'image-data', data: image.data, mediaType: image.mediaType };
  return { type: 'file', mediaType: image.mediaType, data: { type: 'data', data: image.data } };
}
