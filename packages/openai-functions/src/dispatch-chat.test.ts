import { SandboxSessions } from '@codebox/core-client';
import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptedSessions } from '../../core-client/src/agent-tools/testing/scripted-sandbox.js';
import { pngBase64 } from '../../core-client/src/agent-tools/testing/test-images.js';
import { dispatchChatToolCalls } from './dispatch-chat.js';

const PNG = pngBase64(3, 2);
const toolCall = (id: string, code: string): ChatCompletionMessageToolCall => ({
  id,
  type: 'function',
  function: { name: 'run_code', arguments: JSON.stringify({ code, language: 'python' }) },
});

const { sessions } = scriptedSessions({
  code: (code) => (code === 'plot' ? { results: [{ png: PNG, text: '<Figure>', isMainResult: false }] } : { stdout: [`${code}\n`] }),
}, SandboxSessions);
afterAll(() => sessions.close());
const opts = { sessions, sessionId: 'chat' };

describe('dispatchChatToolCalls', () => {
  it('answers each call with a tool message, in the calls’ order', async () => {
    const reply = await dispatchChatToolCalls([toolCall('call_1', 'a'), toolCall('call_2', 'b')], opts);
    expect(reply).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'stdout: a' },
      { role: 'tool', tool_call_id: 'call_2', content: 'stdout: b' },
    ]);
  });

  it('describes images in the text, and adds them as image_url parts of a user message when asked', async () => {
    const described = await dispatchChatToolCalls([toolCall('call_p', 'plot')], opts);
    expect(described).toEqual([{ role: 'tool', tool_call_id: 'call_p', content: expect.stringMatching(/^output: \[image\/png 3×2, \d+ B\]$/) }]);

    const withImages = await dispatchChatToolCalls([toolCall('call_p', 'plot'), toolCall('call_q', 'q')], { ...opts, images: true });
    expect(withImages.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'call_q', content: 'stdout: q' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Images displayed by run_code call call_p:' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        ],
      },
    ]);
  });

  it('adds no user message when no call displayed an image', async () => {
    expect(await dispatchChatToolCalls([toolCall('call_1', 'a')], { ...opts, images: true })).toHaveLength(1);
  });

  it('answers custom tool calls too, so the conversation stays valid', async () => {
    const reply = await dispatchChatToolCalls([{ id: 'call_c', type: 'custom', custom: { name: 'grep', input: 'x' } }], opts);
    expect(reply).toEqual([
      { role: 'tool', tool_call_id: 'call_c', content: 'Unknown function "grep". The functions here are run_code, run_command, read_file, write_file.' },
    ]);
  });
});
