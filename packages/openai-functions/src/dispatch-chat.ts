import type {
  ChatCompletionContentPart,
  ChatCompletionMessageToolCall,
  ChatCompletionToolMessageParam,
  ChatCompletionUserMessageParam,
} from 'openai/resources/chat/completions';
import { executeFunctionCalls, type DispatchOpts, type FunctionCall } from './execute-function-calls.js';
import { imageDataUrl } from './image-data-url.js';

/** Chat Completions messages answering one assistant turn's tool calls. */
export type ChatToolReply = (ChatCompletionToolMessageParam | ChatCompletionUserMessageParam)[];

/**
 * Runs an assistant message's `tool_calls` (one or several; parallel calls run in order in the
 * session's sandbox) and returns the messages to append after it: one `role: 'tool'` message
 * per call, in the calls' order, then, with `images: true` and when the code displayed images,
 * one `user` message carrying them as `image_url` data URLs (tool messages take text only).
 *
 * ```ts
 * const message = completion.choices[0].message;
 * messages.push(message, ...(await dispatchChatToolCalls(message.tool_calls ?? [], { sessions })));
 * ```
 *
 * Every call gets its answer, also calls of functions that are not Codebox's (the model is told
 * so): the API refuses a conversation with an unanswered call. Handle your own tools' calls
 * first and pass only `run_code` calls if you mix them.
 */
export async function dispatchChatToolCalls(toolCalls: readonly ChatCompletionMessageToolCall[], opts: DispatchOpts): Promise<ChatToolReply> {
  const calls: FunctionCall[] = toolCalls.map((toolCall) =>
    toolCall.type === 'function'
      ? { id: toolCall.id, name: toolCall.function.name, arguments: toolCall.function.arguments }
      : { id: toolCall.id, name: toolCall.custom.name, arguments: toolCall.custom.input },
  );
  const outcomes = await executeFunctionCalls(calls, opts);
  const reply: ChatToolReply = outcomes.map(({ call, output }) => ({ role: 'tool', tool_call_id: call.id, content: output.text }));
  if (opts.images) {
    const parts: ChatCompletionContentPart[] = outcomes.flatMap(({ call, output }) =>
      output.images.length === 0
        ? []
        : [
            { type: 'text' as const, text: `Images displayed by ${call.name} call ${call.id}:` },
            ...output.images.map((image) => ({ type: 'image_url' as const, image_url: { url: imageDataUrl(image) } })),
          ],
    );
    if (parts.length > 0) reply.push({ role: 'user', content: parts });
  }
  return reply;
}
