// Runs the bot as a user would (its own process, configured by environment) against a real
// runner, on the scripted model, and checks the conversation it printed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

let runner: RunnerHandle;

beforeAll(async () => {
  runner = await startRunner();
});

afterAll(async () => {
  await runner?.close();
});

function runBot(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // No OPENAI_API_KEY: the test never reaches a network model.
    const child = spawn(process.execPath, [join(import.meta.dirname, 'bot.ts')], {
      env: { PATH: process.env.PATH, CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0] },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

it('answers both sample questions with numbers the sandbox computed, then leaves no sandbox', async () => {
  const { code, out } = await runBot();
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
