// The scripted model server behind the openai-client examples, driven by the real `openai`
// client: replay in order (streamed and not), turns computed from the conversation, and the
// API's refusals that keep a recording honest. Also: OPENAI_* select a real server instead.
import { readChatStream } from '@codebox/openai-functions';
import { afterEach, expect, it } from 'vitest';
import { lastToolOutput, openaiModel, type ChatModel } from './openai-model.ts';

const opened: ChatModel[] = [];
const savedEnv = { ...process.env };

afterEach(async () => {
  process.env = { ...savedEnv };
  await Promise.all(opened.splice(0).map((m) => m.close()));
});

async function open(...args: Parameters<typeof openaiModel>): Promise<ChatModel> {
  const model = await openaiModel(...args);
  opened.push(model);
  return model;
}

it('replays the recording turn by turn, streamed and not, with turns read from the conversation', async () => {
  delete process.env.OPENAI_API_KEY;
  const model = await open([
    { text: 'Let me compute it.', calls: [{ name: 'run_code', arguments: { code: 'print(6 * 7)', language: 'python' } }] },
    (messages) => ({ text: `The sandbox says ${lastToolOutput(messages)}.` }),
  ]);
  expect(model.scripted).toBe(true);
  expect(model.label).toBe('model: scripted (set OPENAI_API_KEY to use a real model)');

  const pieces: string[] = [];
  const stream = await model.client.chat.completions.create({ model: model.name, messages: [{ role: 'user', content: '6 * 7?' }], stream: true });
  const { message, finishReason } = await readChatStream(stream, (delta) => void pieces.push(delta));
  expect(pieces.length).toBeGreaterThan(1);
  expect(message.content).toBe('Let me compute it.');
  expect(finishReason).toBe('tool_calls');
  const call = message.tool_calls?.[0];
  expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ code: 'print(6 * 7)', language: 'python' });

  const second = await model.client.chat.completions.create({
    model: model.name,
    messages: [
      { role: 'user', content: '6 * 7?' },
      { role: 'assistant', content: message.content, tool_calls: message.tool_calls ?? [] },
      { role: 'tool', tool_call_id: call?.id ?? '', content: 'stdout: 42' },
    ],
  });
  expect(second.choices[0]?.message.content).toBe('The sandbox says stdout: 42.');
  expect(second.choices[0]?.finish_reason).toBe('stop');
});

it('refuses, as the API does, a conversation with an unanswered call, and any turn past the recording', async () => {
  delete process.env.OPENAI_API_KEY;
  const model = await open([{ text: 'only turn' }]);
  const unanswered = model.client.chat.completions.create({
    model: model.name,
    messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'run_code', arguments: '{}' } }] }],
  });
  await expect(unanswered).rejects.toMatchObject({ status: 400, message: expect.stringContaining('call_x') });
  await model.client.chat.completions.create({ model: model.name, messages: [{ role: 'user', content: 'hi' }] });
  await expect(model.client.chat.completions.create({ model: model.name, messages: [{ role: 'user', content: 'again' }] })).rejects.toMatchObject({
    status: 400,
  });
});

it('uses the OpenAI-compatible server of OPENAI_BASE_URL and the model of OPENAI_MODEL when OPENAI_API_KEY is set', async () => {
  delete process.env.OPENAI_API_KEY;
  const local = await open([{ text: 'hello from a local server' }]); // stands in for Ollama, vLLM, ...
  Object.assign(process.env, { OPENAI_API_KEY: 'sk-local', OPENAI_BASE_URL: local.client.baseURL, OPENAI_MODEL: 'llama3.2' });
  const model = await open([]);
  expect(model.scripted).toBe(false);
  expect(model.label).toBe(`model: llama3.2 at ${local.client.baseURL}`);
  const completion = await model.client.chat.completions.create({ model: model.name, messages: [{ role: 'user', content: 'hi' }] });
  expect(completion.choices[0]?.message.content).toBe('hello from a local server');
});
