// A coding agent: the model writes a module and its tests into a sandbox, runs them, reads
// the failures and fixes the module, until they pass. The model only decides; every file and
// every test run is real, in a Codebox sandbox. Finally the project is copied out of the
// sandbox into ./coding-agent-output.
//
//   node examples/coding-agent/agent.ts                              # scripted model, sample task
//   OPENAI_API_KEY=sk-... node examples/coding-agent/agent.ts "Write a roman numeral converter with tests"
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Sandbox } from '@codebox/core-client';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { openaiModel } from '../openai-functions-bot/openai-model.ts';
import { recordedSession, sampleTask } from './recorded-session.ts';
import { callTool, PROJECT_DIR, tools, type ToolOutcome } from './tools.ts';

const MAX_STEPS = 12;
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

// Files and commands only, no code interpreter: the lighter `base` template has all it needs.
// The lifetime is a bound for a run that is killed before its `finally` kills the sandbox.
const sandbox = await Sandbox.create('base', { timeoutMs: 15 * 60_000, metadata: { example: 'coding-agent' } });
let lastRun: ToolOutcome['command'];
try {
  await sandbox.files.makeDir(PROJECT_DIR);
  for (let step = 1; step <= MAX_STEPS; step++) {
    const completion = await model.client.chat.completions.create({ model: model.name, messages, tools });
    const message = completion.choices[0]?.message;
    if (!message) throw new Error('the model returned no message');
    if (message.content) console.log(`[step ${step}] model: ${message.content}`);
    messages.push({ role: 'assistant', content: message.content, ...(message.tool_calls?.length ? { tool_calls: message.tool_calls } : {}) });
    const calls = (message.tool_calls ?? []).filter((call) => call.type === 'function');
    if (calls.length === 0) break;
    for (const call of calls) {
      const outcome = await callTool(sandbox, call.function.name, call.function.arguments, {
        onWrite: (path, content) => console.log(`[step ${step}] write ${path} (${content.split('\n').length} lines)`),
        onCommand: (command) => console.log(`[step ${step}] $ ${command}`),
        onOutput: printOutput,
      });
      flushOutput();
      if (outcome.command) {
        lastRun = outcome.command;
        console.log(`[step ${step}] exit code ${outcome.command.result.exitCode}`);
      }
      messages.push({ role: 'tool', tool_call_id: call.id, content: outcome.forModel });
    }
  }

  // The verdict comes from the sandbox, not from what the model says about it.
  const green = lastRun?.result.exitCode === 0;
  console.log(`\nresult: ${green ? 'green' : 'not green'} (last command: ${lastRun?.line ?? 'none'}, exit ${lastRun?.result.exitCode ?? '-'})`);
  await mkdir(outputDir, { recursive: true });
  for (const entry of await sandbox.files.list(PROJECT_DIR)) {
    if (entry.type !== 'file') continue;
    await writeFile(join(outputDir, entry.name), await sandbox.files.read(entry.path, { format: 'bytes' }));
    console.log(`saved ${join(outputDir, entry.name)}`);
  }
  process.exitCode = green ? 0 : 1;
} finally {
  await sandbox.kill();
  await model.close();
}
