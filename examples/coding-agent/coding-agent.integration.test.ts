// Runs the coding agent as a user would (its own process, in a scratch directory) against a
// real runner on the scripted model, and checks the red-then-green run and the files it saved.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runExample } from '../../test/support/run-example.ts';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

let runner: RunnerHandle;
const workDir = mkdtempSync(join(tmpdir(), 'coding-agent-'));

beforeAll(async () => {
  runner = await startRunner();
});

afterAll(async () => {
  await runner?.close();
  rmSync(workDir, { recursive: true, force: true });
});

it('writes a buggy module, reads the failing tests, fixes it until green, and saves the project', async () => {
  const { code, out } = await runExample(join(import.meta.dirname, 'agent.ts'), runner, { cwd: workDir });
  expect(code, out).toBe(0);
  expect(out.split('\n')[0]).toBe('model: scripted (set OPENAI_API_KEY to use a real model)');

  // Red: the first run really fails in the sandbox, on the two bugs of the first implementation.
  const [firstRun, rest] = out.split('[step 1] exit code 1');
  expect(rest, 'the first test run failed').toBeDefined();
  expect(firstRun).toContain("AssertionError: 'hello--world-' != 'hello-world'");
  expect(firstRun).toContain('FAILED (failures=2)');
  // The model's next words name the tests that failed there.
  expect(rest).toContain('[step 2] model: test_accents and test_punctuation fail');
  // Green: the second run passes all four tests.
  expect(rest).toMatch(/Ran 4 tests in [\d.]+s\s+OK\s+\[step 2\] exit code 0/);
  expect(out).toContain('result: green (last command: python3 -m unittest -v, exit 0)');

  // The fixed project, copied out of the sandbox.
  const saved = join(workDir, 'coding-agent-output');
  expect(readdirSync(saved).sort()).toEqual(['slugify.py', 'test_slugify.py']);
  expect(readFileSync(join(saved, 'slugify.py'), 'utf8')).toContain('unicodedata.normalize("NFKD", title)');
  expect(readFileSync(join(saved, 'test_slugify.py'), 'utf8')).toContain('"creme-brulee-a-paris"');

  expect(runner.containerIds()).toEqual([]);
});
