import { describeImage } from '@codebox/core-client';
import { describe, expect, it } from 'vitest';
import { pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { toolContent } from './tool-content.js';

describe('toolContent', () => {
  const image = describeImage(pngBase64(4, 3), 'image/png');

  it('keeps text without images a plain string', () => {
    expect(toolContent({ text: 'stdout: 2', images: [] }, true)).toBe('stdout: 2');
  });

  it('puts images after the text as standard image blocks', () => {
    expect(toolContent({ text: 'result: [image/png 4×3, 1 KB]', images: [image] }, true)).toEqual([
      { type: 'text', text: 'result: [image/png 4×3, 1 KB]' },
      { type: 'image', mimeType: 'image/png', data: image.data },
    ]);
  });

  it('leaves images to the text description when they are turned off', () => {
    expect(toolContent({ text: 'result: [image/png 4×3]', images: [image] }, false)).toBe('result: [image/png 4×3]');
  });
});
