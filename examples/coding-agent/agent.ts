// A coding agent: the model writes a module and its tests into a sandbox, runs them, reads
// the failures and fixes the module, until they pass. The model only decides; every file and
// every test run is real, in a Codebox sandbox. Finally the files it wrote are copied out of
// the sandbox into ./coding-agent-output.
//
//   node examples/coding-agent/agent.ts                              # scripted model, sample task
//   OPENAI_API_KEY=sk-... node examples/coding-agent/agent.ts "Write a roman numeral converter with tests"
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SandboxSessions, type CodeboxToolName } from '@codebox/core-client';
import { chatTools, dispatchChatToolCalls, type DispatchOpts } from '@codebox/openai-functions';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { openaiModel } from '../openai-functions-bot/openai-model.ts';
import { recordedSession, sampleTask } from './recorded-session.ts';

const MAX_STEPS = 12;
/** The agent's working directory in the sandbox: where relative paths and commands start. */
const PROJECT_DIR = '/home/user';
// Files and commands are all a coding agent needs: the package's write_file and run_command.
const FUNCTIONS: CodeboxToolName[] = ['write_file', 'run_command'];
const outputDir = join(process.cwd(), 'coding-agent-output');

// Command output arrives in chunks that need not end at a line break: print whole lines, indented.
let partialLine = '';
const printOutput = (text: string): void => {
  const lines = (partialLine + text).split('\n');
  partialLine = lines.pop() ?? '';
  for (const line of lines) console.log(`    ${line}`);
};
const flushOutput = (): void => {
  if (partialLine !== '') console.log(`    ${partialLine}`);
  partialLine = '';
};

const model = await openaiModel(recordedSession);
console.log(model.label);
if (model.scripted && process.argv.length > 2) console.log('(the scripted model only knows the sample task; yours is ignored)');
const task = model.scripted || process.argv.length <= 2 ? sampleTask : process.argv.slice(2).join(' ');
console.log(`task: ${task}\n`);

const messages: ChatCompletionMessageParam[] = [
  {
    role: 'system',
    content:
      `You are a careful programmer working in ${PROJECT_DIR} on a Debian machine with Python 3. ` +
      'Write code and tests with write_file, run the tests with run_command, read failures and fix the code ' +
      '(not the tests, unless a test is wrong) until the tests pass. Then reply with a one-line summary.',
  },
  { role: 'user', content: task },
];

// No code interpreter needed: the lighter `base` template has all it needs. The lifetime is a
// bound for a run that is killed before its `finally` closes the session.
const sessions = new SandboxSessions({ template: 'base', sandboxOpts: { timeoutMs: 15 * 60_000, metadata: { example: 'coding-agent' } } });
const written = new Set<string>();
let lastRun: { line: string; exitCode: number } | undefined;
try {
  for (let step = 1; step <= MAX_STEPS; step++) {
    const completion = await model.client.chat.completions.create({ model: model.name, messages, tools: chatTools({ functions: FUNCTIONS }) });
    const message = completion.choices[0]?.message;
    if (!message) throw new Error('the model returned no message');
    if (message.content) console.log(`[step ${step}] model: ${message.content}`);
    messages.push({ role: 'assistant', content: message.content, ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}) });
    if (!message.tool_calls?.length) break;
    const dispatch: DispatchOpts = {
      sessions,
      sessionId: 'coding-agent',
      functions: FUNCTIONS,
      timeoutMs: 120_000,
      onToolCall: (call) => {
        const args = JSON.parse(call.arguments) as { path?: string; content?: string; command?: string };
        if (call.name === 'write_file') console.log(`[step ${step}] write ${args.path} (${args.content?.split('\n').length} lines)`);
        if (call.name === 'run_command') console.log(`[step ${step}] $ ${args.command}`);
      },
      onStdout: printOutput,
      onStderr: printOutput,
      onToolResult: ({ call, status, args, result, output }) => {
        flushOutput();
        if (status !== 'ran') return console.log(`[step ${step}] ${call.name} refused: ${output.text}`);
        if (call.name === 'write_file') written.add((result as { path: string }).path);
        if (call.name === 'run_command') {
          lastRun = { line: (args as { command: string }).command, exitCode: output.exitCode ?? -1 };
          console.log(`[step ${step}] exit code ${output.exitCode ?? `none (${output.error?.name})`}`);
        }
      },
    };
    messages.push(...(await dispatchChatToolCalls(message.tool_calls, dispatch)));
  }

  // The verdict comes from the sandbox, not from what the model says about it.
  const green = lastRun?.exitCode === 0;
  console.log(`\nresult: ${green ? 'green' : 'not green'} (last command: ${lastRun?.line ?? 'none'}, exit ${lastRun?.exitCode ?? '-'})`);
  await mkdir(outputDir, { recursive: true });
  for (const path of written) {
    const sandbox = await sessions.get('coding-agent');
    await writeFile(join(outputDir, basename(path)), await sandbox.files.read(path, { format: 'bytes' }));
    console.log(`saved ${join(outputDir, basename(path))}`);
  }
  process.exitCode = green ? 0 : 1;
} finally {
  await sessions.close();
  await model.close();
}
