// The offline stand-in for a real model: replies recorded from a model that writes Markdown
// with fenced code and has no tool calling. Its first try has a bug; the loop feeds the error
// back, and the second reply fixes it. The last reply quotes what the sandbox printed.
import type { LoopMessage, LoopModel } from '@codebox/core-client';

const firstTry = `I'll sieve the numbers below one million with numpy and count what is left.

\`\`\`python
import numpy as np

N = 1_000_000
is_prime = np.ones(N, dtype=bool)
is_prime[:2] = False
for i in range(2, int(N ** 0.5) + 1):
    if is_prime[i]:
        is_prime[i * i :: i] = False
primes = np.flatnonzero(is_prime)
print("There are " + len(primes) + " primes below " + str(N))
\`\`\``;

const fixed = `The sieve ran; only my print failed (a str plus an int). \`primes\` is still in the kernel, so
I print with an f-string and look at the gaps. Then I count the primes a second way, with
coreutils' \`factor\` (a prime's only factor is itself), to check the sieve.

\`\`\`python
gaps = np.diff(primes)
at = int(gaps.argmax())
print(f"primes below {N:,}: {len(primes):,}")
print(f"largest: {primes[-1]:,}")
print(f"largest gap: {gaps[at]} (between {primes[at]:,} and {primes[at + 1]:,})")
\`\`\`

\`\`\`bash
seq 2 999999 | factor | awk 'NF == 2' | wc -l
\`\`\``;

/** The answer, written from the output it was shown (as a real model would read it). */
function answer(messages: readonly LoopMessage[]): string {
  const output = messages.at(-1)?.content ?? '';
  const found = output.split('\n').filter((line) => /^(primes below|largest)/.test(line));
  const counted = output.match(/\(bash\):\nstdout: (\d+)/)?.[1];
  if (found.length === 0 || !counted) return 'The output does not show the numbers I need; I cannot answer from it.';
  const agree = found[0]?.replaceAll(',', '').endsWith(`: ${counted}`);
  return [...found.map((line) => `- ${line}`), `- \`factor\` counts ${counted} primes: ${agree ? 'the same' : 'a different number, so one of the two is wrong'}.`].join('\n');
}

/** Reply number `step` of the recording; a model function as `runCodeLoop` takes it. */
export const scriptedModel: LoopModel = (messages, { step }) => [firstTry, fixed][step - 1] ?? answer(messages);
