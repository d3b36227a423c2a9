import type { ChatCompletionMessageToolCall } from 'openai/resources/chat/completions';
import { afterAll, describe, expect, it } from 'vitest';
import { dispatchChatToolCalls } from './dispatch-chat.js';
import { fakeSandbox, fakeSessions, TINY_PNG } from './testing/fake-sandbox.js';

const toolCall = (id: string, code: string): ChatCompletionMessageToolCall => ({
  id,
  type: 'function',
  function: { name: 'run_code', arguments: JSON.stringify({ code, language: 'python' }) },
});

const sessions = fakeSessions(
  fakeSandbox((code) => (code === 'plot' ? { results: [{ png: TINY_PNG, text: '<Figure>', isMainResult: false }] } : { stdout: [`${code}\n`] })),
);
afterAll(() => sessions.close());

describe('dispatchChatToolCalls', () => {
  it('answers each call with a tool message, in the calls’ order', async () => {
    const reply = await dispatchChatToolCalls([toolCall('call_1', 'a'), toolCall('call_2', 'b')], { sessions });
    expect(reply).toEqual([
      { role: 'tool', tool_call_id: 'call_1', content: 'stdout: a' },
      { role: 'tool', tool_call_id: 'call_2', content: 'stdout: b' },
    ]);
  });

  it('describes images in the text, and adds them as image_url parts of a user message when asked', async () => {
    const described = await dispatchChatToolCalls([toolCall('call_p', 'plot')], { sessions });
    expect(described).toEqual([{ role: 'tool', tool_call_id: 'call_p', content: 'output: [image/png 3×2, 74 B]' }]);

    const withImages = await dispatchChatToolCalls([toolCall('call_p', 'plot'), toolCall('call_q', 'q')], { sessions, images: true });
    expect(withImages).toEqual([
      { role: 'tool', tool_call_id: 'call_p', content: 'output: [image/png 3×2, 74 B]' },
      { role: 'tool', tool_call_id: 'call_q', content: 'stdout: q' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Images displayed by run_code call call_p:' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${TINY_PNG}` } },
        ],
      },
    ]);
  });

  it('adds no user message when no call displayed an image', async () => {
    expect(await dispatchChatToolCalls([toolCall('call_1', 'a')], { sessions, images: true })).toHaveLength(1);
  });

  it('answers custom tool calls too, so the conversation stays valid', async () => {
    const reply = await dispatchChatToolCalls([{ id: 'call_c', type: 'custom', custom: { name: 'grep', input: 'x' } }], { sessions });
    expect(reply).toEqual([{ role: 'tool', tool_call_id: 'call_c', content: 'Unknown function "grep". The only function here is run_code.' }]);
  });
});
