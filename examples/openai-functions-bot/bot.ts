// An OpenAI function-calling bot: each question goes through `runToolLoop`, which lets the
// model call Codebox's `run_code` function as often as it needs, and streams both the model's
// words and the code's output to the terminal. The conversation keeps one sandbox, so a later
// question can use what earlier code computed.
//
//   node examples/openai-functions-bot/bot.ts                     # scripted model, sample questions
//   OPENAI_API_KEY=sk-... node examples/openai-functions-bot/bot.ts "Is 2^61 - 1 prime?"
//   OPENAI_API_KEY=sk-... node examples/openai-functions-bot/bot.ts   # a chat: type questions, empty line ends
import { createInterface } from 'node:readline/promises';
import { SandboxSessions } from '@codebox/core-client';
import { runToolLoop } from '@codebox/openai-functions';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { openaiModel } from './openai-model.ts';
import { recordedConversation, sampleQuestions } from './recorded-conversation.ts';

const dim = (text: string): string => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[0m` : text);
const indent = (text: string, prefix: string): string => text.replace(/\n$/, '').replace(/^/gm, prefix) + '\n';
/** The code and language of a call, for display. OpenAI's strict mode makes the arguments valid; other servers may not. */
function codeOf(args: string): { code: string; language: string } {
  try {
    return JSON.parse(args) as { code: string; language: string };
  } catch {
    return { code: args, language: 'arguments are not JSON' };
  }
}

/** The user's side: questions from the command line, typed ones in a terminal, or the sample ones. */
async function* userQuestions(scripted: boolean): AsyncGenerator<string> {
  const given = process.argv.slice(2);
  if (scripted && given.length > 0) console.log('(the scripted model only knows the sample questions; yours are ignored)');
  if (scripted || given.length > 0 || !process.stdin.isTTY) {
    for (const question of scripted || given.length === 0 ? sampleQuestions : given) {
      console.log(`\nyou: ${question}`);
      yield question;
    }
    return;
  }
  const terminal = createInterface({ input: process.stdin, output: process.stdout });
  // Ctrl-C and Ctrl-D close the terminal, which ends the chat as an empty line does.
  terminal.on('SIGINT', () => terminal.close());
  const closed = new Promise<string>((resolve) => terminal.once('close', () => resolve('')));
  try {
    for (;;) {
      const line = await Promise.race([terminal.question('\nyou: '), closed]);
      if (line.trim() === '') return;
      yield line;
    }
  } finally {
    terminal.close();
  }
}

const model = await openaiModel(recordedConversation);
console.log(model.label);

// One sandbox per conversation, created on the first call and killed by close() (or when idle).
const sessions = new SandboxSessions();
let messages: ChatCompletionMessageParam[] = [
  { role: 'system', content: 'You are a concise assistant. Compute answers with the run_code function instead of guessing.' },
];
try {
  for await (const question of userQuestions(model.scripted)) {
    process.stdout.write('bot: ');
    const result = await runToolLoop({
      client: model.client,
      model: model.name,
      messages: [...messages, { role: 'user', content: question }],
      sessions,
      sessionId: 'chat',
      // A calculator bot: only run_code (the package also offers run_command, read_file, write_file).
      functions: ['run_code'],
      languages: ['python', 'bash'],
      maxSteps: 6,
      onText: (delta) => process.stdout.write(delta),
      onToolCall: (call) => {
        const { code, language } = codeOf(call.arguments);
        process.stdout.write(`\n  ┌ ${call.name} (${language})\n${dim(indent(code, '  │ '))}  ├ output\n`);
      },
      onStdout: (text) => process.stdout.write(indent(text, '  │ ')),
      onStderr: (text) => process.stdout.write(indent(text, '  │ stderr: ')),
      onToolResult: ({ status, execution, output }) => {
        // Not run (arguments not valid, unknown function): the loop tells the model why, and so do we.
        if (status === 'rejected') process.stdout.write(indent(output.text, '  │ '));
        const main = execution?.results?.find((r) => r.isMainResult)?.text;
        if (main !== undefined) process.stdout.write(`  │ = ${main}\n`);
        if (execution?.error) process.stdout.write(`  │ ${execution.error.name}: ${execution.error.value}\n`);
        process.stdout.write('  └\nbot: ');
      },
    });
    process.stdout.write('\n');
    // The whole exchange, tool calls and their answers included, is the context of the next question.
    messages = result.messages;
  }
} finally {
  await sessions.close();
  await model.close();
}
