import { convertArrayToReadableStream, MockLanguageModelV4 } from 'ai/test';

type CallOptions = MockLanguageModelV4['doStreamCalls'][number];

/** What the scripted model does at one step: call tools, or answer with text. */
export type ScriptedStep = { toolCalls: { toolName: string; input: unknown }[] } | { text: string };

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};

/**
 * An offline model (the AI SDK's own `MockLanguageModelV4`) that plays `steps` in order, one
 * per model call; a step may be a function of the prompt, to answer with what a tool returned.
 * Calls past the script throw, so a loop that runs too long fails the test.
 */
export function scriptedModel(steps: readonly (ScriptedStep | ((call: CallOptions) => ScriptedStep))[]): MockLanguageModelV4 {
  let index = 0;
  return new MockLanguageModelV4({
    doStream: async (call) => {
      const scripted = steps[index++];
      if (!scripted) throw new Error(`the scripted model has ${steps.length} steps but was called ${index} times`);
      const step = typeof scripted === 'function' ? scripted(call) : scripted;
      if ('text' in step) {
        return {
          stream: convertArrayToReadableStream([
            { type: 'stream-start', warnings: [] },
            { type: 'text-start', id: 't' },
            { type: 'text-delta', id: 't', delta: step.text },
            { type: 'text-end', id: 't' },
            { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
          ]),
        };
      }
      return {
        stream: convertArrayToReadableStream([
          { type: 'stream-start', warnings: [] },
          ...step.toolCalls.map((call, i) => ({
            type: 'tool-call' as const,
            toolCallId: `call-${index}-${i}`,
            toolName: call.toolName,
            input: JSON.stringify(call.input),
          })),
          { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
        ]),
      };
    },
  });
}

/** The tool results the model was given in its last prompt message (the previous step's). */
export function lastToolResults(call: CallOptions): { toolName: string; output: unknown }[] {
  const last = call.prompt.at(-1);
  if (last?.role !== 'tool') return [];
  return last.content.flatMap((part) => (part.type === 'tool-result' ? [{ toolName: part.toolName, output: part.output }] : []));
}
