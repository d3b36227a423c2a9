import type { ChatCompletionChunk, ChatCompletionMessage, ChatCompletionMessageFunctionToolCall } from 'openai/resources/chat/completions';

/** An assistant turn put together from its streamed chunks. */
export interface StreamedTurn {
  message: ChatCompletionMessage;
  finishReason: ChatCompletionChunk.Choice['finish_reason'];
  /** Whether any chunk had a choice at all. */
  received: boolean;
}

/**
 * Reads a `stream: true` chat completion to its end, calling `onText` with each content delta
 * as it arrives, and returns the assistant message it amounts to: content joined, and tool
 * calls joined by their `index` (the id, type and name come in a call's first delta, its
 * arguments in fragments after). Only the first choice is read (the loop asks for one).
 */
export async function readChatStream(stream: AsyncIterable<ChatCompletionChunk>, onText?: (delta: string) => unknown): Promise<StreamedTurn> {
  let content: string | null = null;
  let refusal: string | null = null;
  let finishReason: StreamedTurn['finishReason'] = null;
  let received = false;
  const calls = new Map<number, ChatCompletionMessageFunctionToolCall>();
  for await (const chunk of stream) {
    const choice = chunk.choices.find((c) => c.index === 0);
    if (!choice) continue;
    received = true;
    const { delta } = choice;
    if (delta.content) {
      content = (content ?? '') + delta.content;
      await onText?.(delta.content);
    }
    if (delta.refusal) refusal = (refusal ?? '') + delta.refusal;
    for (const part of delta.tool_calls ?? []) {
      let call = calls.get(part.index);
      if (!call) {
        call = { id: '', type: 'function', function: { name: '', arguments: '' } };
        calls.set(part.index, call);
      }
      if (part.id) call.id = part.id;
      if (part.function?.name) call.function.name += part.function.name;
      if (part.function?.arguments) call.function.arguments += part.function.arguments;
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  const message: ChatCompletionMessage = { role: 'assistant', content, refusal };
  if (calls.size > 0) message.tool_calls = [...calls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
  return { message, finishReason, received };
}
