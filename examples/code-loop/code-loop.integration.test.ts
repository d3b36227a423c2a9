import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunner, type RunnerHandle } from '../../test/support/runner.ts';

describe('examples/code-loop against a real runner', () => {
  let runner: RunnerHandle;
  beforeAll(async () => {
    runner = await startRunner();
  });
  afterAll(async () => {
    await runner?.close();
  });

  it('runs the scripted replies, feeds the error back, runs the fix in the same kernel and prints the answer, leaving no sandbox', async () => {
    const { OPENAI_API_KEY: _key, OPENAI_BASE_URL: _url, ...env } = process.env;
    const { stdout } = await promisify(execFile)(process.execPath, [join(import.meta.dirname, 'code-loop.ts')], {
      env: { ...env, CODEBOX_API_URL: runner.url, CODEBOX_API_KEY: runner.keys[0] },
      timeout: 150_000,
    });

    expect(stdout.split('\n')[0]).toBe('model: scripted (set OPENAI_API_KEY to use a real model)');
    const [, step1 = '', step2 = ''] = stdout.split(/^── step \d+$/m);
    // The first block fails in the sandbox; the model is shown the error and its traceback.
    expect(step1).toMatch(/^ {2}✗ TypeError: can only concatenate str \(not "int"\) to str$/m);
    expect(step1).toMatch(/^ {2}✗ -+> 10 print\("There are " \+ len\(primes\)/m);
    // The fix uses `primes` from the failed block: the kernel kept it.
    expect(step2).toContain('  = primes below 1,000,000: 78,498\n  = largest: 999,983\n  = largest gap: 114 (between 492,113 and 492,227)');
    expect(step2).toContain('▶ bash');
    expect(step2).toContain('  = stdout: 78498');
    expect(stdout).toMatch(/\nanswer:\n- primes below 1,000,000: 78,498\n- largest: 999,983\n- largest gap: 114 \(between 492,113 and 492,227\)\n- `factor` counts 78498 primes: the same\.\n$/);

    expect(runner.containerIds()).toEqual([]);
  });
});
