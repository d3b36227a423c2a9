import type {
  ResponseFunctionCallOutputItem,
  ResponseFunctionToolCall,
  ResponseInputItem,
  ResponseOutputItem,
} from 'openai/resources/responses/responses';
import { executeFunctionCalls, type DispatchOpts } from './execute-function-calls.js';
import { imageDataUrl } from './image-data-url.js';

/**
 * Runs the `function_call` items of a Responses API output (other items are skipped; parallel
 * calls run in order in the session's sandbox) and returns one `function_call_output` item per
 * call, in order. With `images: true`, images the code displayed go into the output as
 * `input_image` parts next to the text; otherwise the output is the text alone.
 *
 * ```ts
 * const response = await client.responses.create({ model, input, tools: responsesTools() });
 * input.push(...response.output, ...(await dispatchResponsesFunctionCalls(response.output, { sessions })));
 * ```
 *
 * Calls of functions that are not Codebox's are answered too (the model is told so); filter
 * them out first if you have tools of your own.
 */
export async function dispatchResponsesFunctionCalls(
  items: readonly (ResponseOutputItem | ResponseInputItem)[],
  opts: DispatchOpts,
): Promise<ResponseInputItem.FunctionCallOutput[]> {
  const calls = items
    .filter((item): item is ResponseFunctionToolCall => 'type' in item && item.type === 'function_call')
    .map((item) => ({ id: item.call_id, name: item.name, arguments: item.arguments }));
  const outcomes = await executeFunctionCalls(calls, opts);
  return outcomes.map(({ call, output }) => {
    if (!opts.images || output.images.length === 0) return { type: 'function_call_output', call_id: call.id, output: output.text };
    const parts: ResponseFunctionCallOutputItem[] = [
      { type: 'input_text', text: output.text },
      ...output.images.map((image) => ({ type: 'input_image' as const, image_url: imageDataUrl(image), detail: 'auto' as const })),
    ];
    return { type: 'function_call_output', call_id: call.id, output: parts };
  });
}
