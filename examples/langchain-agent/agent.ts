// A LangChain data analyst with Codebox tools: it gets a CSV in its sandbox, answers a question
// about it by running pandas code there, draws a chart, and we download the chart as a PNG.
// Configure the runner with CODEBOX_API_URL / CODEBOX_API_KEY; set OPENAI_API_KEY (and optionally
// OPENAI_BASE_URL, OPENAI_MODEL) for a real model, otherwise a recorded conversation drives it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Execution, FileNotFoundError, shapeOutput, truncateMiddle, type CommandResult } from '@codebox/core-client';
import { CODEBOX_OUTPUT_EVENT, createCodeboxTools, type CodeboxOutputEvent } from '@codebox/langchain-tool';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { ChatOpenAI } from '@langchain/openai';
import { createAgent } from 'langchain';
import { scriptedAnalyst } from './scripted-analyst.ts';

const DATA = join(import.meta.dirname, 'sales_2025.csv');
const SANDBOX_CSV = '/home/user/sales_2025.csv';
const SANDBOX_CHART = '/home/user/revenue_by_region.png';
const LOCAL_CHART = resolve('revenue_by_region.png');
const QUESTION = `Which region grew its revenue the most from Q1 to Q4 2025, and by how much? Also plot monthly revenue per region and save the chart as ${SANDBOX_CHART}.`;

const modelName = process.env.OPENAI_MODEL ?? 'gpt-5-mini';
const model = process.env.OPENAI_API_KEY ? new ChatOpenAI({ model: modelName }) : scriptedAnalyst();
console.log(
  process.env.OPENAI_API_KEY
    ? `model: ${modelName} at ${process.env.OPENAI_BASE_URL ?? 'api.openai.com'}`
    : 'model: scripted (set OPENAI_API_KEY to use a real model)',
);

// The model reads results as text: not every OpenAI-compatible server takes images in tool
// results, and the chart is for the user, who gets it as a file.
const codebox = createCodeboxTools({ includeImages: false });
const agent = createAgent({
  model,
  tools: codebox.tools,
  systemPrompt: `You are a data analyst. Use run_code (Python with pandas and matplotlib) on ${SANDBOX_CSV}: look at the data before you compute, print the numbers you rely on, and answer briefly with them.`,
});
const threadId = 'sales-analysis';

const indent = (text: string, prefix: string): string => text.replace(/\n$/, '').replace(/^/gm, prefix);

/** What a tool result holds beyond the stdout/stderr already streamed: values, charts, errors. */
function outcome(message: ToolMessage): string {
  const result = message.artifact;
  if (result instanceof Execution) return shapeOutput({ results: result.results, error: result.error, logs: { stdout: [], stderr: [] } }).text;
  if (message.name === 'run_command') return shapeOutput({ ...(result as CommandResult), stdout: '', stderr: '' }).text;
  return truncateMiddle(String(message.content), 600); // file tools, and tool errors
}

/** The step the agent just took: the code it asked for, what came of it, or its answer. */
function show(message: BaseMessage): void {
  if (AIMessage.isInstance(message) && message.tool_calls?.length) {
    for (const call of message.tool_calls) {
      const { code, language, ...rest } = call.args as { code?: string; language?: string };
      console.log(`\n▶ ${call.name}${language ? ` (${language})` : ''}${code ? '' : ` ${JSON.stringify(rest)}`}`);
      if (code) console.log(indent(code, '  │ '));
    }
  } else if (ToolMessage.isInstance(message)) {
    const text = outcome(message);
    if (text !== '(no output)') console.log(indent(text, message.status === 'error' ? '  ✗ ' : '  = '));
  } else if (AIMessage.isInstance(message)) {
    console.log(`\nanswer: ${message.text}`);
  }
}

try {
  // The session's sandbox is created on first use; upload the data before the agent starts.
  const sandbox = await codebox.sessions.get(threadId);
  await sandbox.files.write(SANDBOX_CSV, readFileSync(DATA, 'utf8'));
  console.log(`sandbox ${sandbox.sandboxId}: uploaded ${SANDBOX_CSV}`);
  console.log(`question: ${QUESTION}`);

  const stream = await agent.stream(
    { messages: [{ role: 'user', content: QUESTION }] },
    { streamMode: ['custom', 'updates'], configurable: { thread_id: threadId }, recursionLimit: 20 },
  );
  for await (const [mode, chunk] of stream) {
    if (mode === 'custom') {
      // Output of the running code, as it is printed.
      const event = chunk as CodeboxOutputEvent;
      if (event.type === CODEBOX_OUTPUT_EVENT) process.stdout.write(indent(event.text, event.stream === 'stderr' ? '  ! ' : '  > ') + '\n');
    } else {
      // One update per graph node (model or tools) with the messages it added.
      for (const update of Object.values(chunk as Record<string, { messages?: BaseMessage[] } | undefined>)) {
        for (const message of update?.messages ?? []) show(message);
      }
    }
  }

  try {
    const png = await sandbox.files.read(SANDBOX_CHART, { format: 'bytes' });
    writeFileSync(LOCAL_CHART, png);
    console.log(`\nchart: ${LOCAL_CHART} (${Math.round(png.byteLength / 1024)} KB)`);
  } catch (error) {
    if (!(error instanceof FileNotFoundError)) throw error;
    console.log(`\nchart: none, the model saved nothing at ${SANDBOX_CHART}`);
  }
} finally {
  // Kills the sandbox; Node 22 has no `await using`.
  await codebox.close();
}
