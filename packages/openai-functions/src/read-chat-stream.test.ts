import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { readChatStream } from './read-chat-stream.js';

function chunk(delta: ChatCompletionChunk.Choice.Delta, finishReason: ChatCompletionChunk.Choice['finish_reason'] = null): ChatCompletionChunk {
  return { id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finishReason }] };
}

async function* from(chunks: ChatCompletionChunk[]): AsyncGenerator<ChatCompletionChunk> {
  yield* chunks;
}

describe('readChatStream', () => {
  it('joins content deltas and reports each as it comes', async () => {
    const seen: string[] = [];
    const turn = await readChatStream(from([chunk({ role: 'assistant', content: '' }), chunk({ content: 'The answer ' }), chunk({ content: 'is 42.' }), chunk({}, 'stop')]), (d) =>
      seen.push(d),
    );
    expect(seen).toEqual(['The answer ', 'is 42.']);
    expect(turn).toEqual({ message: { role: 'assistant', content: 'The answer is 42.', refusal: null }, finishReason: 'stop', received: true });
  });

  it('joins parallel tool calls by index, their arguments arriving in interleaved fragments', async () => {
    const turn = await readChatStream(
      from([
        chunk({ role: 'assistant' }),
        chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'run_code', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'run_code', arguments: '{"co' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"code":"1",' } }] }),
        chunk({ tool_calls: [{ index: 1, function: { arguments: 'de":"2"}' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"language":"python"}' } }] }),
        chunk({}, 'tool_calls'),
      ]),
    );
    expect(turn.finishReason).toBe('tool_calls');
    expect(turn.message.content).toBeNull();
    expect(turn.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'run_code', arguments: '{"code":"1","language":"python"}' } },
      { id: 'call_b', type: 'function', function: { name: 'run_code', arguments: '{"code":"2"}' } },
    ]);
  });

  it('says when no chunk carried a choice', async () => {
    const turn = await readChatStream(from([{ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [] }]));
    expect(turn.received).toBe(false);
    expect(turn.message.tool_calls).toBeUndefined();
  });
});
