// A local OpenAI-compatible HTTP server for tests: it answers Chat Completions (streaming and
// not) and Responses API requests from a script, and records every request, so the real
// `openai` client can be pointed at it (`baseURL`) and whole loops run offline.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedCall {
  /** Defaults to `call_<n>`. */
  id?: string;
  name: string;
  /** An object is JSON-encoded. */
  arguments: string | object;
}

/** One model turn: function calls, or a text answer. */
export type ScriptedTurn = { toolCalls: ScriptedCall[] } | { content: string } | { fail: { status: number; message: string } };

export interface RecordedRequest {
  path: string;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  at: number;
}

/** A turn, or a function of the request deciding the turn (to answer with what the tool returned). */
export type ScriptStep = ScriptedTurn | ((request: RecordedRequest) => ScriptedTurn);

export interface FakeOpenAIServer {
  /** For `new OpenAI({ baseURL })`. */
  baseURL: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeOpenAIOpts {
  /** Pause between streamed chunks, so streaming is observable in time. @default 0 */
  chunkDelayMs?: number;
}

let nextCallId = 1;

export async function startFakeOpenAI(script: ScriptStep[], opts: FakeOpenAIOpts = {}): Promise<FakeOpenAIServer> {
  const requests: RecordedRequest[] = [];
  const steps = [...script];
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: String(err), type: 'server_error' } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: RecordedRequest = { path: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString() || '{}'), at: Date.now() };
    requests.push(request);
    const step = steps.shift();
    if (!step) return sendError(res, 500, `the fake server's script has no turn left for request ${requests.length}`);
    const turn = typeof step === 'function' ? step(request) : step;
    if ('fail' in turn) return sendError(res, turn.fail.status, turn.fail.message);
    if (req.method === 'POST' && request.path === '/v1/chat/completions') {
      return request.body.stream === true ? streamChat(res, turn, opts.chunkDelayMs ?? 0) : sendJson(res, chatCompletion(turn));
    }
    if (req.method === 'POST' && request.path === '/v1/responses') return sendJson(res, response(turn));
    return sendError(res, 404, `no route ${req.method} ${request.path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

type Answer = { toolCalls: ScriptedCall[] } | { content: string };

function calls(turn: Answer): { id: string; name: string; arguments: string }[] {
  if (!('toolCalls' in turn)) return [];
  return turn.toolCalls.map((c) => ({
    id: c.id ?? `call_${nextCallId++}`,
    name: c.name,
    arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
  }));
}

function chatCompletion(turn: Answer): object {
  const toolCalls = calls(turn).map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: 'fake-model',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'content' in turn ? turn.content : null, refusal: null, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) },
        finish_reason: toolCalls.length ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

/** As OpenAI streams: a role delta, content in small pieces, each call's header then its arguments in fragments. */
async function streamChat(res: ServerResponse, turn: Answer, delayMs: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: 'fake-model' };
  const send = async (delta: object, finishReason: string | null = null): Promise<void> => {
    res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] })}\n\n`);
    if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  };
  await send({ role: 'assistant', content: '' });
  if ('content' in turn) for (const piece of pieces(turn.content, 8)) await send({ content: piece });
  for (const [index, call] of calls(turn).entries()) {
    await send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
    for (const piece of pieces(call.arguments, 12)) await send({ tool_calls: [{ index, function: { arguments: piece } }] });
  }
  await send({}, 'toolCalls' in turn ? 'tool_calls' : 'stop');
  res.end('data: [DONE]\n\n');
}

function response(turn: Answer): object {
  const output =
    'content' in turn
      ? [{ type: 'message', id: 'msg_fake', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.content, annotations: [] }] }]
      : calls(turn).map((c) => ({ type: 'function_call', id: `fc_${c.id}`, call_id: c.id, name: c.name, arguments: c.arguments, status: 'completed' }));
  return { id: 'resp_fake', object: 'response', created_at: Math.floor(Date.now() / 1000), model: 'fake-model', status: 'completed', output };
}

function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function sendJson(res: ServerResponse, body: object): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'fake_error' } }));
}

/** The `role: 'tool'` messages of a recorded chat request, by call id. */
export function toolMessages(request: RecordedRequest | undefined): { tool_call_id: string; content: string }[] {
  const messages = (request?.body.messages ?? []) as { role: string; tool_call_id: string; content: string }[];
  return messages.filter((m) => m.role === 'tool');
}
