import { DEFAULT_MAX_STEPS, InvalidArgumentError } from '@codebox/core-client';
import type OpenAI from 'openai';
import type {
  ChatCompletionAssistantMessageParam,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessage,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { readChatStream } from './read-chat-stream.js';
import { dispatchChatToolCalls } from './dispatch-chat.js';
import { EmptyCompletionError } from './errors.js';
import type { DispatchOpts, FunctionCallOutcome } from './execute-function-calls.js';
import { chatTools } from './function-definitions.js';

export interface RunToolLoopOpts extends DispatchOpts {
  /** An `openai` client (its `baseURL` may point at any OpenAI-compatible server). */
  client: Pick<OpenAI, 'chat'>;
  model: string;
  /** The conversation to start from (system prompt, the task); not modified. */
  messages: readonly ChatCompletionMessageParam[];
  /**
   * Most model calls. Tool calls of the last one are still run and answered, so the returned
   * conversation can be continued.
   * @default 10 (`DEFAULT_MAX_STEPS`, as core-client's `runCodeLoop`)
   */
  maxSteps?: number;
  /**
   * Stream the model's responses (`stream: true`), so `onText` gets text as it is generated.
   * @default true
   */
  stream?: boolean;
  /** More request parameters (`temperature`, `parallel_tool_calls`, `tool_choice`, ...). */
  params?: Omit<ChatCompletionCreateParamsBase, 'model' | 'messages' | 'stream' | 'tools'>;
  /** Each piece of the model's text as it arrives (the whole text at once without streaming). */
  onText?: (delta: string) => unknown;
}

export interface RunToolLoopResult {
  /** `answer`: the model replied without tool calls; `max-steps`: `maxSteps` model calls were made. */
  stopReason: 'answer' | 'max-steps';
  /** The model's last text (`null` when its last turn was only tool calls). */
  content: string | null;
  /** The whole conversation: the input, then each assistant turn and the answers to its calls. */
  messages: ChatCompletionMessageParam[];
  /** Model calls made. */
  steps: number;
  /** Every function call of the loop, in order, with its full execution. */
  outcomes: FunctionCallOutcome[];
}

/**
 * A complete tool-calling loop on Chat Completions: ask the model (with the Codebox functions
 * as its tools), run the calls it makes in the session's sandbox, append the answers, and ask
 * again, until it answers without calls or `maxSteps` model calls were made. Execution output
 * reaches `onStdout`/`onStderr` while the code runs; with streaming, the model's text reaches
 * `onText` as it is generated. The session's sandbox stays for the next turn of the
 * conversation; `sessions.close()` (or the idle timeout) ends it.
 *
 * ```ts
 * await using sessions = new SandboxSessions({ template: 'code-interpreter-v1' });
 * const { content } = await runToolLoop({ client: new OpenAI(), model: 'gpt-5-mini', messages, sessions });
 * ```
 */
export async function runToolLoop(opts: RunToolLoopOpts): Promise<RunToolLoopResult> {
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new InvalidArgumentError(`maxSteps must be a positive integer, got ${maxSteps}.`);
  const tools = chatTools(opts);
  const messages: ChatCompletionMessageParam[] = [...opts.messages];
  const outcomes: FunctionCallOutcome[] = [];
  const dispatchOpts: DispatchOpts = {
    ...opts,
    onToolResult: async (outcome) => {
      outcomes.push(outcome);
      await opts.onToolResult?.(outcome);
    },
  };

  for (let step = 1; ; step++) {
    opts.signal?.throwIfAborted();
    const message = await askModel(opts, messages, tools, step);
    messages.push(assistantParam(message));
    const toolCalls = message.tool_calls ?? [];
    if (toolCalls.length === 0) return { stopReason: 'answer', content: message.content, messages, steps: step, outcomes };
    opts.signal?.throwIfAborted();
    messages.push(...(await dispatchChatToolCalls(toolCalls, dispatchOpts)));
    if (step >= maxSteps) return { stopReason: 'max-steps', content: message.content, messages, steps: step, outcomes };
  }
}

async function askModel(
  opts: RunToolLoopOpts,
  messages: ChatCompletionMessageParam[],
  tools: ReturnType<typeof chatTools>,
  step: number,
): Promise<ChatCompletionMessage> {
  const body = { ...opts.params, model: opts.model, messages, tools };
  const requestOpts = opts.signal ? { signal: opts.signal } : {};
  if (opts.stream === false) {
    const completion = await opts.client.chat.completions.create({ ...body, stream: false }, requestOpts);
    const message = completion.choices[0]?.message;
    if (!message) throw new EmptyCompletionError(step);
    if (message.content) await opts.onText?.(message.content);
    return message;
  }
  const stream = await opts.client.chat.completions.create({ ...body, stream: true }, requestOpts);
  const turn = await readChatStream(stream, opts.onText);
  if (!turn.received) throw new EmptyCompletionError(step);
  return turn.message;
}

/**
 * The response message as a request message: only the fields a request takes (a response's
 * `annotations`, `audio` and nulls are not all accepted back), and no empty `tool_calls`,
 * which the API rejects.
 */
function assistantParam(message: ChatCompletionMessage): ChatCompletionAssistantMessageParam {
  const param: ChatCompletionAssistantMessageParam = { role: 'assistant', content: message.content };
  if (message.refusal) param.refusal = message.refusal;
  if (message.tool_calls && message.tool_calls.length > 0) param.tool_calls = message.tool_calls;
  return param;
}
