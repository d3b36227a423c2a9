// The model behind the `openai` client, for the examples that use it (this bot and
// ../coding-agent): a real one when OPENAI_API_KEY is set, otherwise a recorded conversation
// replayed by a small OpenAI-compatible server on 127.0.0.1. Either way the program talks to
// it through the same real `openai` client, so everything but the model's words is real.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';

/** One recorded assistant turn: text, function calls, or both. */
export interface RecordedTurn {
  text?: string;
  calls?: { name: string; arguments: object }[];
}

/**
 * A turn, or a function of the conversation so far: a recorded model still has to quote what
 * the sandbox actually printed (the tool messages), rather than a number written in advance.
 */
export type RecordingStep = RecordedTurn | ((messages: ChatCompletionMessageParam[]) => RecordedTurn);

export interface ChatModel {
  client: OpenAI;
  /** The `model` parameter of each request. */
  name: string;
  /** What to tell the user first: which model answers. */
  label: string;
  scripted: boolean;
  close(): Promise<void>;
}

/** `new OpenAI()` when OPENAI_API_KEY is set (OPENAI_BASE_URL, OPENAI_MODEL honoured), else the recording. */
export async function openaiModel(recording: RecordingStep[]): Promise<ChatModel> {
  if (process.env.OPENAI_API_KEY) {
    const client = new OpenAI();
    const name = process.env.OPENAI_MODEL ?? 'gpt-5-mini';
    return { client, name, label: `model: ${name} at ${client.baseURL}`, scripted: false, close: async () => {} };
  }
  const server = await replay(recording);
  return {
    client: new OpenAI({ apiKey: 'scripted', baseURL: server.baseURL, maxRetries: 0 }),
    name: 'scripted',
    label: 'model: scripted (set OPENAI_API_KEY to use a real model)',
    scripted: true,
    close: server.close,
  };
}

/** Serves `POST /v1/chat/completions` from the recording, one turn per request, streaming or not. */
async function replay(recording: RecordingStep[]): Promise<{ baseURL: string; close: () => Promise<void> }> {
  const steps = [...recording];
  let callCount = 0;
  const server = createServer((req, res) => {
    void answer(req, res).catch((err: unknown) => sendError(res, 500, String(err)));
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return sendError(res, 404, `no route ${req.method} ${req.url}`);
    const body = JSON.parse(raw) as { messages: ChatCompletionMessageParam[]; stream?: boolean };
    // As the real API does: a conversation with an unanswered function call is refused.
    const unanswered = unansweredCall(body.messages);
    if (unanswered) return sendError(res, 400, `tool call ${unanswered} has no tool message answering it`);
    const step = steps.shift();
    if (!step) return sendError(res, 400, 'the recorded conversation has no turn left (this program asked more than was recorded)');
    const turn = typeof step === 'function' ? step(body.messages) : step;
    const calls = (turn.calls ?? []).map((c) => ({ id: `call_${++callCount}`, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
    const finishReason = calls.length > 0 ? 'tool_calls' : 'stop';
    const head = { id: `chatcmpl-scripted-${callCount}`, created: Math.floor(Date.now() / 1000), model: 'scripted' };
    if (!body.stream) {
      const message = { role: 'assistant', content: turn.text ?? null, refusal: null, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...head, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }] }));
      return;
    }
    // Streamed as OpenAI streams: the text a few words at a time, then each call's header and its arguments.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = async (delta: object, finish: string | null = null): Promise<void> => {
      res.write(`data: ${JSON.stringify({ ...head, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`);
      await new Promise((resolve) => setTimeout(resolve, 15)); // the pace of a fast model, so streaming shows
    };
    await send({ role: 'assistant', content: '' });
    for (const words of (turn.text ?? '').match(/\S+\s*/g) ?? []) await send({ content: words });
    for (const [index, call] of calls.entries()) {
      await send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] });
      await send({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] });
    }
    await send({}, finishReason);
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function unansweredCall(messages: ChatCompletionMessageParam[]): string | undefined {
  const answered = new Set(messages.flatMap((m) => (m.role === 'tool' ? [m.tool_call_id] : [])));
  const calls = messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
  return calls.find((call) => !answered.has(call.id))?.id;
}

function sendError(res: ServerResponse, status: number, message: string): void {
  if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error' } }));
}

/** The text of the last tool message: what the sandbox answered to the model's latest call. */
export function lastToolOutput(messages: ChatCompletionMessageParam[]): string {
  const tool = messages.findLast((m) => m.role === 'tool');
  return typeof tool?.content === 'string' ? tool.content : '';
}
