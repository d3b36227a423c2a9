// The same chat as a local web page: node:http serves the page's three plain files as they are
// (no build step) and answers each question with the AI SDK's UI message stream (server-sent
// events), which the page renders as it arrives: code, output while it runs, charts, answer.
//
//   node examples/vercel-ai-chat/server.ts [--port 3001] [--host 127.0.0.1]
//
// Needs a runner (CODEBOX_API_URL / CODEBOX_API_KEY); uses a scripted model unless
// OPENAI_API_KEY is set. `--port 0` picks a free port; the URL is printed either way.
// /terminal.html is a shell in a sandbox of its own (xterm.js, served from node_modules).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { parseArgs } from 'node:util';
import { SandboxSessions } from '@codebox/vercel-ai-tool';
import { pipeUIMessageStreamToResponse, toUIMessageStream } from 'ai';
import { Conversation } from './conversation.ts';
import { chatModel } from './model.ts';
import { SCRIPTED_QUESTION } from './scripted-model.ts';
import { sizeFrom, TerminalRelay } from './terminal-relay.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: process.env.PORT ?? '3001' }, host: { type: 'string', default: '127.0.0.1' } } });

const PAGE_FILES: Record<string, [file: string, contentType: string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/terminal.html': ['terminal.html', 'text/html; charset=utf-8'],
  '/terminal.js': ['terminal.js', 'text/javascript; charset=utf-8'],
};
// xterm.js as its package ships it: the page loads it from here, never from a CDN.
const packageDir = (name: string): string => join(createRequire(import.meta.url).resolve(`${name}/package.json`), '..');
const VENDOR_FILES: Record<string, [file: string, contentType: string]> = {
  '/vendor/xterm.mjs': [join(packageDir('@xterm/xterm'), 'lib/xterm.mjs'), 'text/javascript; charset=utf-8'],
  '/vendor/xterm.css': [join(packageDir('@xterm/xterm'), 'css/xterm.css'), 'text/css; charset=utf-8'],
  '/vendor/addon-fit.mjs': [join(packageDir('@xterm/addon-fit'), 'lib/addon-fit.mjs'), 'text/javascript; charset=utf-8'],
};
/** Keystrokes per request: a paste larger than this is refused rather than buffered. */
const MAX_INPUT_BYTES = 64 * 1024;
/** Conversations kept in memory, oldest dropped first past this many. */
const MAX_CONVERSATIONS = 100;

const chat = chatModel();
// One sandbox per browser tab (conversation); idle ones are killed after 5 minutes, and all of
// them when the server stops.
const sessions = new SandboxSessions({ template: 'code-interpreter-v1' });
const conversations = new Map<string, Conversation>();
const terminals = new TerminalRelay();

function conversation(chatId: string): Conversation {
  let found = conversations.get(chatId);
  if (!found) {
    found = new Conversation({ chat, sessions, sessionId: `web-${chatId}` });
    conversations.set(chatId, found);
    const oldest = conversations.keys().next().value;
    if (conversations.size > MAX_CONVERSATIONS && oldest !== undefined) conversations.delete(oldest);
  }
  return found;
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body: { chatId?: unknown; question?: unknown } = {};
  try {
    body = JSON.parse(await text(req)) as typeof body;
  } catch {
    // answered as a bad request below
  }
  const { chatId, question } = body ?? {};
  if (typeof chatId !== 'string' || !/^[\w-]{1,64}$/.test(chatId) || typeof question !== 'string' || !question.trim()) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('expected JSON {"chatId": "<id>", "question": "<text>"}');
    return;
  }
  // A closed tab or the page's Stop button ends the request: stop the model and interrupt the code.
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const result = conversation(chatId).ask(question.trim(), controller.signal);
  await pipeUIMessageStreamToResponse({
    response: res,
    stream: toUIMessageStream({ stream: result.stream, onError: (error) => (error instanceof Error ? error.message : String(error)) }),
  });
}

/** POST /api/terminal/<id>/input (raw bytes) and /api/terminal/<id>/resize?cols=&rows=. */
async function terminalCall(req: IncomingMessage, res: ServerResponse, id: string, action: string, params: URLSearchParams): Promise<void> {
  let found: boolean;
  if (action === 'input') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > MAX_INPUT_BYTES) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end(`at most ${MAX_INPUT_BYTES} bytes of input per request`);
        return;
      }
      chunks.push(chunk);
    }
    found = await terminals.input(id, Buffer.concat(chunks));
  } else {
    const size = sizeFrom(params);
    if (!size) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('expected ?cols=<2-1000>&rows=<2-1000>');
      return;
    }
    found = await terminals.resize(id, size);
  }
  res.writeHead(found ? 204 : 404).end();
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const page = PAGE_FILES[path];
  const vendor = VENDOR_FILES[path];
  const terminalCallPath = /^\/api\/terminal\/([\w-]{1,64})\/(input|resize)$/.exec(path);
  if (req.method === 'GET' && page) {
    res.writeHead(200, { 'content-type': page[1] }).end(readFileSync(join(import.meta.dirname, 'public', page[0])));
  } else if (req.method === 'GET' && vendor) {
    res.writeHead(200, { 'content-type': vendor[1] }).end(readFileSync(vendor[0]));
  } else if (req.method === 'GET' && path === '/api/terminal') {
    const size = sizeFrom(url.searchParams);
    if (!size) res.writeHead(400, { 'content-type': 'text/plain' }).end('expected ?cols=<2-1000>&rows=<2-1000>');
    else void terminals.open(res, size);
  } else if (req.method === 'POST' && terminalCallPath) {
    terminalCall(req, res, terminalCallPath[1] as string, terminalCallPath[2] as string, url.searchParams).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  } else if (req.method === 'GET' && path === '/api/info') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: chat.label, sampleQuestion: SCRIPTED_QUESTION }));
  } else if (req.method === 'POST' && path === '/api/chat') {
    answer(req, res).catch((error: unknown) => {
      console.error(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  } else {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }
});

server.listen(Number(values.port), values.host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : values.port;
  console.log(`model: ${chat.label}`);
  console.log(`chat page: http://${values.host}:${port}/`);
  console.log(`terminal page: http://${values.host}:${port}/terminal.html`);
});
