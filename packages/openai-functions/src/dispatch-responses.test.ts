import { SandboxSessions } from '@codebox/core-client';
import type { ResponseOutputItem } from 'openai/resources/responses/responses';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptedSessions } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { dispatchResponsesFunctionCalls } from './dispatch-responses.js';

const PNG = pngBase64(3, 2);
const { sessions } = scriptedSessions({
  code: (code) => (code === 'plot' ? { results: [{ png: PNG, isMainResult: false }] } : { stdout: [`${code}\n`] }),
}, SandboxSessions);
afterAll(() => sessions.close());
const opts = { sessions, sessionId: 'chat' };

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
    const output: ResponseOutputItem[] = [{ type: 'reasoning', id: 'rs_1', summary: [] }, functionCall('c1', 'a'), functionCall('c2', 'b')];
    expect(await dispatchResponsesFunctionCalls(output, opts)).toEqual([
      { type: 'function_call_output', call_id: 'c1', output: 'stdout: a' },
      { type: 'function_call_output', call_id: 'c2', output: 'stdout: b' },
    ]);
  });

  it('puts images into the output as input_image parts when asked', async () => {
    const text = expect.stringMatching(/^output: \[image\/png 3×2, \d+ B\]$/);
    expect(await dispatchResponsesFunctionCalls([functionCall('c3', 'plot')], opts)).toEqual([{ type: 'function_call_output', call_id: 'c3', output: text }]);
    expect(await dispatchResponsesFunctionCalls([functionCall('c3', 'plot')], { ...opts, images: true })).toEqual([
      {
        type: 'function_call_output',
        call_id: 'c3',
        output: [
          { type: 'input_text', text },
          { type: 'input_image', image_url: `data:image/png;base64,${PNG}`, detail: 'auto' },
        ],
      },
    ]);
  });
});
