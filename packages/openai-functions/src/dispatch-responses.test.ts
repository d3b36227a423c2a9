import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatchResponsesFunctionCalls } from './dispatch-responses.js';
import { fakeSandbox, fakeSessions, TINY_PNG } from './testing/fake-sandbox.js';

const sessions = fakeSessions(fakeSandbox((code) => (code === 'plot' ? { results: [{ png: TINY_PNG, isMainResult: false }] } : { stdout: [`${code}\n`] })));
afterAll(() => sessions.close());

const functionCall = (callId: string, code: string): ResponseOutputItem => ({
  type: 'function_call',
  id: `fc_${callId}`,
  call_id: callId,
  name: 'run_code',
  arguments: JSON.stringify({ code, language: 'python' }),
  status: 'completed',
});

describe('dispatchResponsesFunctionCalls', () => {
  it('answers each function_call item with a function_call_output, skipping other items', async () => {
    const output: ResponseOutputItem[] = [
      { type: 'reasoning', id: 'rs_1', summary: [] },
      functionCall('c1', 'a'),
      functionCall('c2', 'b'),
    ];
    expect(await dispatchResponsesFunctionCalls(output, { sessions })).toEqual([
      { type: 'function_call_output', call_id: 'c1', output: 'stdout: a' },
      { type: 'function_call_output', call_id: 'c2', output: 'stdout: b' },
    ]);
  });

  it('puts images into the output as input_image parts when asked', async () => {
    expect(await dispatchResponsesFunctionCalls([functionCall('c3', 'plot')], { sessions })).toEqual([
      { type: 'function_call_output', call_id: 'c3', output: 'output: [image/png 3×2, 74 B]' },
    ]);
    expect(await dispatchResponsesFunctionCalls([functionCall('c3', 'plot')], { sessions, images: true })).toEqual([
      {
        type: 'function_call_output',
        call_id: 'c3',
        output: [
          { type: 'input_text', text: 'output: [image/png 3×2, 74 B]' },
          { type: 'input_image', image_url: `data:image/png;base64,${TINY_PNG}`, detail: 'auto' },
        ],
      },
    ]);
  });
});
