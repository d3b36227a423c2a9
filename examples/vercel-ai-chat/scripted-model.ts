// The offline model: the AI SDK's own MockLanguageModelV4 playing a recorded conversation, so the
// example runs with no API key while the tools, the sandbox and the streaming are all real.
import { simulateReadableStream } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';

type CallOptions = MockLanguageModelV4['doStreamCalls'][number];
type StreamPart = Awaited<ReturnType<MockLanguageModelV4['doStream']>>['stream'] extends ReadableStream<infer P> ? P : never;

/** The question the recording answers (the model plays it whatever is asked). */
export const SCRIPTED_QUESTION = 'How many primes are there below 10,000, and how do they thin out? Draw a chart.';

/** The code the recorded model writes: progress printed while it runs, then a matplotlib chart. */
export const RECORDED_CODE = `import time
import matplotlib.pyplot as plt

limit = 10_000
is_prime = [True] * limit
is_prime[0] = is_prime[1] = False
for n in range(2, int(limit ** 0.5) + 1):
    if is_prime[n]:
        is_prime[n * n::n] = [False] * len(range(n * n, limit, n))

counts = []
for start in range(0, limit, 1000):
    counts.append(sum(is_prime[start:start + 1000]))
    print(f"{start:>5}-{start + 999}: {counts[-1]} primes", flush=True)
    time.sleep(0.2)  # slow enough to watch the output stream in
print(f"total: {sum(counts)}")

plt.figure(figsize=(7, 3.5))
plt.bar([f"{s // 1000}k" for s in range(0, limit, 1000)], counts, color="#4f6bed")
plt.title("Primes in each thousand below 10,000")
plt.ylabel("primes")
plt.show()
`;

const usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 0, text: 0, reasoning: undefined },
};

/**
 * A model that, each turn, first calls `run_code` with the recorded program (or `code`, which
 * must print the same lines) and then, once it has the tool's result, answers with the numbers
 * the sandbox really printed (so a wrong execution shows up in the answer instead of being
 * papered over by canned text).
 */
export function scriptedModel(code: string = RECORDED_CODE): MockLanguageModelV4 {
  let calls = 0;
  return new MockLanguageModelV4({
    provider: 'scripted',
    modelId: 'recorded-primes-conversation',
    doStream: async (call) => {
      const toolOutput = lastToolOutputText(call);
      const parts: StreamPart[] =
        toolOutput === undefined
          ? [
              { type: 'tool-call', toolCallId: `call-${++calls}`, toolName: 'run_code', input: JSON.stringify({ language: 'python', code }) },
              { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' }, usage },
            ]
          : [
              { type: 'text-start', id: 'answer' },
              // Word by word, like a real model's tokens.
              ...answer(toolOutput)
                .split(/(?<= )/)
                .map((delta): StreamPart => ({ type: 'text-delta', id: 'answer', delta })),
              { type: 'text-end', id: 'answer' },
              { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage },
            ];
      return { stream: simulateReadableStream({ chunks: [{ type: 'stream-start', warnings: [] }, ...parts], chunkDelayInMs: 15 }) };
    },
  });
}

/** The recorded final answer, filled in from what the code printed. */
function answer(output: string): string {
  const total = /total: (\d+)/.exec(output)?.[1];
  const perThousand = [...output.matchAll(/: (\d+) primes/g)].map((m) => m[1]);
  if (!total || perThousand.length === 0) return `The code did not finish as expected; it said:\n${output}`;
  return (
    `There are ${total} primes below 10,000. They thin out slowly: ${perThousand[0]} in the first thousand, ` +
    `${perThousand.at(-1)} in the last, as the chart shows (the density falls roughly like 1/ln n).`
  );
}

/** The text of the tool result the model was just given, if its last prompt message is one. */
function lastToolOutputText(call: CallOptions): string | undefined {
  const last = call.prompt.at(-1);
  if (last?.role !== 'tool') return undefined;
  const texts = last.content.flatMap((part) => {
    if (part.type !== 'tool-result') return [];
    const { output } = part;
    if (output.type === 'text' || output.type === 'error-text') return [output.value];
    if (output.type === 'content') return output.value.flatMap((item) => (item.type === 'text' ? [item.text] : []));
    return [JSON.stringify(output)];
  });
  return texts.join('\n');
}
