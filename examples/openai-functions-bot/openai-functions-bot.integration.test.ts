// Runs the bot as a user would (its own process, configured by environment) against a real
// runner, on the scripted model, and checks the conversation it printed.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from '../../test/support/run-example.ts';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

let runner: RunnerHandle;

beforeAll(async () => {
  runner = await startRunner();
});

afterAll(async () => {
  await runner?.close();
});

it('answers both sample questions with numbers the sandbox computed, then leaves no sandbox', async () => {
  const { code, out } = await runExample(join(import.meta.dirname, 'bot.ts'), runner);
  expect(code, out).toBe(0);
  expect(out.split('\n')[0]).toBe('model: scripted (set OPENAI_API_KEY to use a real model)');

  // First question: the code's streamed output and result, then the model's answer quoting it.
  expect(out).toContain('primes below 1,000,000: 78,498');
  expect(out).toContain('  │ = 78498');
  expect(out).toContain('bot: There are 78,498 primes below one million.');

  // Second question: the code uses `primes` from the first call, so the sandbox kept its state.
  expect(out).toContain('largest gap: 114 after 492113');
  expect(out).toContain('bot: The largest gap is 114: from 492,113 to 492,227');
  expect(out).not.toMatch(/NameError|Error:/);

  expect(runner.containerIds()).toEqual([]);
});
