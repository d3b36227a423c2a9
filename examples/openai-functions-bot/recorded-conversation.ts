// What the scripted model says in the bot's sample conversation, recorded turn by turn. Its
// answers are built from the tool messages it receives, so the numbers it tells the user are
// the ones the sandbox computed.
import { lastToolOutput, type RecordingStep } from './openai-model.ts';

export const sampleQuestions = [
  'How many primes are there below one million?',
  'What is the largest gap between two consecutive ones, and where is it?',
];

const sieve = `import bisect

limit = 1_000_000
sieve = bytearray([1]) * limit
sieve[0:2] = b"\\x00\\x00"
for n in range(2, int(limit ** 0.5) + 1):
    if sieve[n]:
        sieve[n * n :: n] = bytes(len(range(n * n, limit, n)))
primes = [n for n in range(limit) if sieve[n]]
for bound in (10, 1_000, 100_000, limit):
    print(f"primes below {bound:>9,}: {bisect.bisect_left(primes, bound):>6,}")
len(primes)`;

const largestGap = `gap, start = max((b - a, a) for a, b in zip(primes, primes[1:]))
print(f"largest gap: {gap} after {start}")`;

/** A number the sandbox printed, or a note that it is missing (the recording does not invent one). */
function grab(output: string, pattern: RegExp): string {
  return output.match(pattern)?.[1] ?? '(not in the output)';
}

export const recordedConversation: RecordingStep[] = [
  { text: "I'll count them with a sieve of Eratosthenes in the sandbox.", calls: [{ name: 'run_code', arguments: { code: sieve, language: 'python' } }] },
  (messages) => {
    const count = grab(lastToolOutput(messages), /^result: (\d+)$/m);
    return { text: `There are ${Number(count).toLocaleString('en-US')} primes below one million.` };
  },
  {
    text: 'The list of primes is still in the sandbox from the last step, so I can reuse it.',
    calls: [{ name: 'run_code', arguments: { code: largestGap, language: 'python' } }],
  },
  (messages) => {
    const output = lastToolOutput(messages);
    const gap = Number(grab(output, /largest gap: (\d+)/));
    const start = Number(grab(output, /after (\d+)/));
    return { text: `The largest gap is ${gap}: from ${start.toLocaleString('en-US')} to ${(start + gap).toLocaleString('en-US')} there is no prime in between.` };
  },
];
