// The chat page: posts each question to /api/chat and renders the AI SDK UI message stream
// (server-sent events, one JSON chunk per `data:` line) as it arrives. Plain browser JavaScript,
// served as it is.
const messages = document.querySelector('#messages');
const form = document.querySelector('#ask');
const question = document.querySelector('#question');
const send = document.querySelector('#send');
const stop = document.querySelector('#stop');

// One conversation (and one sandbox on the server) per page load.
const chatId = crypto.randomUUID();
let controller;

const info = await (await fetch('/api/info')).json();
document.querySelector('#model').textContent = `model: ${info.model}`;
question.value = info.sampleQuestion;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = question.value.trim();
  if (!text) return;
  question.value = '';
  add(messages, 'div', 'msg user').textContent = text;
  const reply = add(messages, 'div', 'msg assistant');
  controller = new AbortController();
  setBusy(true);
  try {
    const res = await fetch('/api/chat', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ chatId, question: text }),
      signal: controller.signal,
    });
    if (!res.ok) throw new Error(await res.text());
    const render = renderer(reply);
    for await (const chunk of uiChunks(res.body)) render(chunk);
  } catch (error) {
    const stopped = error.name === 'AbortError';
    // The server interrupts the code when the request ends; say so on the cards still running.
    for (const card of reply.querySelectorAll('.tool.running')) {
      card.classList.replace('running', 'failed');
      card.querySelector('.status').textContent = stopped ? 'stopped' : 'failed';
    }
    add(reply, 'div', 'error').textContent = stopped ? 'Stopped.' : String(error.message ?? error);
  } finally {
    setBusy(false);
  }
});
stop.addEventListener('click', () => controller?.abort());
question.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    form.requestSubmit();
  }
});

/** The UI message chunks of a server-sent event stream. */
async function* uiChunks(body) {
  let buffer = '';
  for await (const piece of body.pipeThrough(new TextDecoderStream())) {
    buffer += piece;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split('\n')) {
        if (line.startsWith('data: ') && line !== 'data: [DONE]') yield JSON.parse(line.slice(6));
      }
    }
  }
}

/** A function that renders each chunk of one answer into `reply`. */
function renderer(reply) {
  const texts = new Map(); // text part id → element
  const tools = new Map(); // tool call id → { card, output, images, status, started }
  return (chunk) => {
    switch (chunk.type) {
      case 'text-start':
        texts.set(chunk.id, add(reply, 'div', 'text'));
        break;
      case 'text-delta':
        texts.get(chunk.id).textContent += chunk.delta;
        break;
      case 'tool-input-available':
        tools.set(chunk.toolCallId, toolCard(reply, chunk.toolName, chunk.input));
        break;
      case 'tool-output-available':
        showOutput(tools.get(chunk.toolCallId), chunk.output);
        break;
      case 'tool-output-error':
      case 'tool-input-error':
        finish(tools.get(chunk.toolCallId) ?? toolCard(reply, chunk.toolName, chunk.input), 'failed', chunk.errorText);
        break;
      case 'error':
        add(reply, 'div', 'error').textContent = chunk.errorText;
        break;
    }
    window.scrollTo({ top: document.body.scrollHeight });
  };
}

function toolCard(parent, toolName, input) {
  const card = add(parent, 'div', 'tool running');
  const head = add(card, 'div', 'tool-head');
  add(head, 'span', 'tool-name').textContent = input.language ? `${toolName} · ${input.language}` : toolName;
  const status = add(head, 'span', 'status');
  status.textContent = 'running…';
  add(card, 'pre', 'code').textContent = (input.code ?? input.command ?? input.path ?? JSON.stringify(input)).trimEnd();
  const label = add(card, 'div', 'label');
  label.textContent = 'output';
  const output = add(card, 'pre', 'output');
  const images = add(card, 'div', 'images');
  return { card, label, output, images, status, started: performance.now() };
}

/**
 * A tool result: preliminary ones (`status: 'running'`) carry the output so far; the final one
 * (`status: 'done'`) carries the text the model reads and the charts.
 */
function showOutput(tool, output) {
  if (output.status === 'running') {
    tool.output.replaceChildren();
    add(tool.output, 'span', 'stdout').textContent = output.stdout;
    add(tool.output, 'span', 'stderr').textContent = output.stderr;
    return;
  }
  // The AI SDK repeats the final result as a last preliminary one: render it once.
  if (tool.card.classList.contains('running')) {
    tool.label.textContent = 'result, as the model reads it';
    tool.output.textContent = output.text;
    for (const image of output.images ?? []) {
      const img = add(tool.images, 'img');
      img.alt = 'chart made in the sandbox';
      img.src = `data:${image.mediaType};base64,${image.data}`;
    }
  }
  finish(tool, output.error ? 'failed' : 'done', output.error ? `${output.error.name}: ${output.error.value}` : undefined);
}

function finish(tool, state, message) {
  if (!tool.card.classList.contains('running')) return;
  tool.card.classList.replace('running', state);
  const seconds = ((performance.now() - tool.started) / 1000).toFixed(1);
  tool.status.textContent = message ?? `done in ${seconds} s`;
}

function setBusy(busy) {
  send.disabled = busy;
  stop.hidden = !busy;
}

function add(parent, tag, className) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  parent.append(element);
  return element;
}
