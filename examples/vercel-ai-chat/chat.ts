// A terminal chat with a model that runs code in a Codebox sandbox, streamed as it happens: the
// code the model writes, its output while it runs, the charts (saved as PNG files), the answer.
//
//   node examples/vercel-ai-chat/chat.ts "How many primes are there below 10,000?"
//   echo "..." | node examples/vercel-ai-chat/chat.ts          # the question from stdin
//   node examples/vercel-ai-chat/chat.ts                        # interactive, on a terminal
//
// Needs a runner (CODEBOX_API_URL / CODEBOX_API_KEY, see `npx codebox serve`); uses a scripted
// model unless OPENAI_API_KEY is set. `--out DIR` says where charts go.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { text } from 'node:stream/consumers';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { SandboxSessions, type CodeboxToolOutput } from '@codebox/vercel-ai-tool';
import { Conversation } from './conversation.ts';
import { chatModel } from './model.ts';

// Colours on a terminal only (and not with NO_COLOR), so piped output stays plain text.
const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const style = (code: number) => (s: string): string => (colour ? `\x1b[${code}m${s}\x1b[0m` : s);
const [dim, bold, red] = [style(2), style(1), style(31)];

const { values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' } } });
const outDir = values.out ? resolve(values.out) : mkdtempSync(join(tmpdir(), 'codebox-chat-'));
let chartCount = 0;

/** Prints one answer as it streams in. */
async function printAnswer(result: ReturnType<Conversation['ask']>): Promise<void> {
  // Preliminary results are snapshots of the output so far: print only what is new in each.
  const printed = new Map<string, { stdout: string; stderr: string }>();
  for await (const part of result.stream) {
    switch (part.type) {
      case 'text-delta':
        process.stdout.write(part.text);
        break;
      case 'tool-call': {
        const input = part.input as { code?: string; language?: string; command?: string; path?: string };
        console.log(bold(`\n▶ ${part.toolName}${input.language ? ` (${input.language})` : ''}`));
        console.log(dim((input.code ?? input.command ?? input.path ?? JSON.stringify(input)).trimEnd().replace(/^/gm, '  │ ')));
        break;
      }
      case 'tool-result': {
        const output = part.output as CodeboxToolOutput;
        const seen = printed.get(part.toolCallId) ?? { stdout: '', stderr: '' };
        printed.set(part.toolCallId, seen);
        if (output.status === 'running') {
          seen.stdout = printNew(seen.stdout, output.stdout, (s) => s);
          seen.stderr = printNew(seen.stderr, output.stderr, red);
        } else if (!part.preliminary) {
          // The rest of what the model reads: the last expression's value, outputs, the error.
          const rest = afterStreamed(output.text, seen);
          if (rest) console.log((output.error ? red : dim)(rest));
          for (const image of output.images) {
            const file = join(outDir, `chart-${++chartCount}.${image.mediaType === 'image/png' ? 'png' : 'jpg'}`);
            writeFileSync(file, Buffer.from(image.data, 'base64'));
            console.log(`chart saved: ${file}`);
          }
          console.log('');
        }
        break;
      }
      case 'tool-error':
        console.log(red(`${part.toolName} failed: ${String(part.error)}`));
        break;
      case 'abort':
        console.log(dim('\n(stopped)'));
        break;
      case 'error':
        throw part.error;
    }
  }
  process.stdout.write('\n');
}

/**
 * The final text the model reads (`stdout:`, `stderr:`, `result:`, `error:` sections) less the
 * sections already streamed; all of it when they differ (output came after the last snapshot).
 */
function afterStreamed(text: string, streamed: { stdout: string; stderr: string }): string {
  let rest = text;
  for (const [title, output] of Object.entries(streamed)) {
    const body = stripVTControlCharacters(output).trimEnd();
    if (!body) continue;
    const section = `${title}:${body.includes('\n') ? '\n' : ' '}${body}`;
    if (!rest.startsWith(section)) return text;
    rest = rest.slice(section.length).replace(/^\n/, '');
  }
  return rest === '(no output)' && (streamed.stdout || streamed.stderr) ? '' : rest;
}

/** Prints the part of `now` that was not printed yet (all of it if the snapshot was cut), and returns `now`. */
function printNew(before: string, now: string, paint: (s: string) => string): string {
  if (now === before) return now;
  process.stdout.write(paint(now.startsWith(before) ? now.slice(before.length) : `\n${now}`));
  return now;
}

const chat = chatModel();
console.log(`model: ${chat.label}`);
mkdirSync(outDir, { recursive: true });
// One sandbox for this chat, killed when the program ends (also on Ctrl-C).
const sessions = new SandboxSessions({ template: 'code-interpreter-v1' });
const conversation = new Conversation({ chat, sessions, sessionId: 'terminal' });
try {
  const question = positionals.join(' ').trim() || (process.stdin.isTTY ? '' : (await text(process.stdin)).trim());
  if (question) {
    console.log(`${bold('you:')} ${question}`);
    await printAnswer(conversation.ask(question));
  } else {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    console.log(dim('Ask a question (an empty line, Ctrl-D or Ctrl-C at the prompt ends the chat).'));
    // Ctrl-C aborts what is under way: at the prompt it ends the chat; while an answer streams
    // it stops the answer, interrupting the code in the sandbox, and the chat goes on.
    let interrupt = new AbortController();
    rl.on('SIGINT', () => interrupt.abort());
    for (;;) {
      interrupt = new AbortController();
      const line = await rl.question(bold('you: '), { signal: interrupt.signal }).catch(() => '');
      if (!line.trim()) break;
      interrupt = new AbortController();
      await printAnswer(conversation.ask(line.trim(), interrupt.signal));
    }
    rl.close();
  }
} finally {
  await sessions.close();
}
