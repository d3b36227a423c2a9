// Extract-and-execute for a model without tool calling: it answers in Markdown, runCodeLoop runs
// the fenced code blocks of each reply in a sandbox and feeds the output (errors included) back,
// until the model answers without code.
// Configure the runner with CODEBOX_API_URL / CODEBOX_API_KEY; set OPENAI_API_KEY (and optionally
// OPENAI_BASE_URL, OPENAI_MODEL) for a real model, otherwise recorded replies drive the loop.
import { runCodeLoop, Sandbox, type LoopModel, type LoopStep } from '@codebox/core-client';
import OpenAI from 'openai';
import { scriptedModel } from './scripted-model.ts';

const TASK = 'How many primes are there below one million, which is the largest, and what is the largest gap between two consecutive ones?';
const SYSTEM = `You solve tasks by running code. To run code, put it in fenced blocks labelled python or bash; the blocks of a reply run in order in a sandbox (Python variables persist between replies) and you get their output in the next message. When you know the answer, reply with it and no code blocks.`;

/** A real model behind any OpenAI-compatible Chat Completions API (reads OPENAI_API_KEY and OPENAI_BASE_URL). */
function chatCompletionsModel(model: string): LoopModel {
  const client = new OpenAI();
  return async (messages, { signal }) => {
    const completion = await client.chat.completions.create({ model, messages: messages.map(({ role, content }) => ({ role, content })) }, { signal });
    return completion.choices[0]?.message.content ?? '';
  };
}

const modelName = process.env.OPENAI_MODEL ?? 'gpt-5-mini';
const model = process.env.OPENAI_API_KEY ? chatCompletionsModel(modelName) : scriptedModel;
console.log(
  process.env.OPENAI_API_KEY
    ? `model: ${modelName} at ${process.env.OPENAI_BASE_URL ?? 'api.openai.com'}`
    : 'model: scripted (set OPENAI_API_KEY to use a real model)',
);
console.log(`task: ${TASK}`);

const indent = (text: string, prefix: string): string => text.replace(/\n$/, '').replace(/^/gm, prefix);

/** Prints one model call: what it said, each block it ran, and the output it gets back. */
function printStep({ step, reply, executions, skipped }: LoopStep): void {
  if (executions.length === 0) return; // the answer, printed at the end
  // For display only: the reply's prose, with its fenced blocks cut out (shown below as run).
  const prose = reply.replace(/^(```|~~~)[\s\S]*?^\1\s*$/gm, '').replace(/\n{3,}/g, '\n\n').trim();
  console.log(`\n── step ${step}`);
  if (prose) console.log(indent(prose, '  » '));
  for (const { block, shaped, failed } of executions) {
    console.log(`\n▶ ${block.language}`);
    console.log(indent(block.code, '  │ '));
    console.log(indent(shaped.text, failed ? '  ✗ ' : '  = '));
  }
  if (skipped.length > 0) console.log(`\n  (${skipped.length} later block(s) not run: the failure goes back to the model first)`);
}

// The default template, code-interpreter-v1, has stateful kernels: runCodeLoop runs blocks with
// runCode, so variables of one reply are there for the next.
const sandbox = await Sandbox.create({ metadata: { example: 'code-loop' } });
try {
  const result = await runCodeLoop({
    model,
    sandbox,
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: TASK },
    ],
    maxSteps: 6,
    onStep: printStep,
  });
  const label = result.stopReason === 'answer' ? 'answer' : `no answer after ${result.steps.length} steps; last reply`;
  console.log(`\n${label}:\n${result.answer}`);
} finally {
  await sandbox.kill();
}
