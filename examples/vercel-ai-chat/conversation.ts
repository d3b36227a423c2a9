// One chat: its history, and a streamText call per question with the Codebox tools. Shared by
// the terminal program and the web server, which differ only in how they show the stream.
import { codeboxTools, type CodeboxToolSet, type SandboxSessions } from '@codebox/vercel-ai-tool';
import { stepCountIs, streamText, type ModelMessage } from 'ai';
import type { ChatModel } from './model.ts';

const SYSTEM = [
  'You are a data analyst with a Python sandbox: the run_code tool (numpy, pandas and matplotlib are installed).',
  'Work out answers by running code rather than guessing. For longer work, print progress as you go.',
  'Draw charts with matplotlib and plt.show(); the user sees them. Answer briefly, with the numbers you found.',
].join(' ');

export interface ConversationOpts {
  chat: ChatModel;
  /** Shared by every conversation of the process; each conversation gets its own sandbox. */
  sessions: SandboxSessions;
  /** The sandbox session of this conversation (its variables and files persist across questions). */
  sessionId: string;
}

export class Conversation {
  private readonly opts: ConversationOpts;
  private readonly messages: ModelMessage[] = [];
  private readonly tools: CodeboxToolSet;

  constructor(opts: ConversationOpts) {
    this.opts = opts;
    const tools = codeboxTools({ sessions: opts.sessions, sessionId: opts.sessionId, timeoutMs: 120_000 });
    this.tools = opts.chat.seesImages ? tools : describeImagesOnly(tools);
  }

  /**
   * Asks a question. Read the answer from the result's `stream` (text deltas, tool calls, and
   * tool results: `preliminary` ones while code runs, then the final one with the charts).
   */
  ask(question: string, abortSignal?: AbortSignal) {
    this.messages.push({ role: 'user', content: question });
    return streamText({
      model: this.opts.chat.model,
      system: SYSTEM,
      messages: [...this.messages],
      tools: this.tools,
      // Room to run code, look at the result, fix or refine it, and answer.
      stopWhen: stepCountIs(6),
      ...(abortSignal ? { abortSignal } : {}),
      // Remember the answer (tool calls and results included) for the next question.
      onEnd: ({ response }) => void this.messages.push(...response.messages),
    });
  }
}

/** The tools, with results handed to the model as text only (images as their descriptions). */
function describeImagesOnly(tools: CodeboxToolSet): CodeboxToolSet {
  const asText = ({ output }: { output: { status: string; text?: string } }) => ({ type: 'text' as const, value: output.text ?? '' });
  return {
    ...tools,
    run_code: { ...tools.run_code, toModelOutput: asText },
    read_file: { ...tools.read_file, toModelOutput: asText },
  };
}
