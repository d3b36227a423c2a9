import { describe, expect, it } from 'vitest';
import { installedAiMajor } from './ai-major.js';
import { modelOutput, toModelOutput } from './model-output.js';
import type { FinishedOutput } from './tool-output.js';

const done = (images: FinishedOutput['images']): FinishedOutput => ({ status: 'done', text: 'result: 42', images, truncated: false });
const png = { data: 'iVBORw0KGgo=', mediaType: 'image/png' as const };

describe('modelOutput', () => {
  it('gives text alone when there are no images', () => {
    expect(modelOutput(done([]), 'file')).toEqual({ type: 'text', value: 'result: 42' });
  });

  it('follows the text with the images as ai@7 file parts or ai@6 image-data parts', () => {
    expect(modelOutput(done([png]), 'file')).toEqual({
      type: 'content',
      value: [
        { type: 'text', text: 'result: 42' },
        { type: 'file', mediaType: 'image/png', data: { type: 'data', data: png.data } },
      ],
    });
    expect(modelOutput(done([png, { ...png, mediaType: 'image/jpeg' }]), 'image-data')).toEqual({
      type: 'content',
      value: [
        { type: 'text', text: 'result: 42' },
        { type: 'image-data', data: png.data, mediaType: 'image/png' },
        { type: 'image-data', data: png.data, mediaType: 'image/jpeg' },
      ],
    });
  });

  it('says a snapshot is still running, should one be converted', () => {
    expect(modelOutput({ status: 'running', stdout: 'a\n', stderr: '' }, 'file')).toEqual({ type: 'text', value: '(still running)\nstdout:\na\n' });
  });

  it('uses the part style of the installed ai', () => {
    expect(installedAiMajor()).toBe(7);
    expect(toModelOutput({ output: done([png]) })).toEqual(modelOutput(done([png]), 'file'));
  });
});
