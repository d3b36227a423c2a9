// The terminal page: xterm.js (served by the example's server from node_modules) on a shell in
// a sandbox. Output arrives as server-sent events (base64 bytes); keystrokes and size changes are
// posted back. Plain browser JavaScript, served as it is.
import { Terminal } from '/vendor/xterm.mjs';
import { FitAddon } from '/vendor/addon-fit.mjs';

const status = document.querySelector('#status');
const box = document.querySelector('#terminal');
const term = new Terminal({ cursorBlink: true, fontSize: 14, convertEol: false });
const fitAddon = new FitAddon();
term.loadAddon(fitAddon);
term.open(box);
fitAddon.fit();

const events = new EventSource(`/api/terminal?cols=${term.cols}&rows=${term.rows}`);
let id;
// Keystrokes are posted one request at a time, in order; what is typed meanwhile waits in `pending`.
let pending = '';
let posting = false;

events.addEventListener('id', (event) => {
  id = event.data;
  status.textContent = 'connected';
  term.focus();
  flush();
});
events.addEventListener('data', (event) => {
  term.write(Uint8Array.from(atob(event.data), (c) => c.charCodeAt(0)));
});
events.addEventListener('exit', (event) => end(`shell exited (${event.data})`));
events.addEventListener('failed', (event) => end(`failed: ${JSON.parse(event.data)}`));
events.addEventListener('error', () => end('disconnected'));

term.onData((data) => {
  pending += data;
  flush();
});

async function flush() {
  if (posting || !id || !pending) return;
  posting = true;
  const body = new TextEncoder().encode(pending);
  pending = '';
  try {
    await fetch(`/api/terminal/${id}/input`, { method: 'POST', body });
  } finally {
    posting = false;
    flush();
  }
}

// The terminal fills the page; the shell learns each new size (SIGWINCH).
term.onResize(({ cols, rows }) => {
  if (id) fetch(`/api/terminal/${id}/resize?cols=${cols}&rows=${rows}`, { method: 'POST' });
});
window.addEventListener('resize', () => fitAddon.fit());

function end(text) {
  status.textContent = text;
  events.close();
  id = undefined;
}
