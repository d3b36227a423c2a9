// The Quick start demo's tour, run as scripts/demo.sh runs it, against a real runner.
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

it('tours a sandbox: unprivileged user, streamed output, stdin, files, typed failure, no route to the host', async () => {
  const { code, out } = await runExample(join(import.meta.dirname, 'demo.ts'), runner, {
    env: { CODEBOX_DEMO_PORT: new URL(runner.url).port },
  });
  expect(code, out).toBe(0);
  expect(out).toMatch(/Sandbox [a-z0-9]+ is up/);
  // The sandbox's own host uid (docs/internals.md, "Users"), named user.
  expect(out).toMatch(/uid=(\d+)\(user\) gid=\1\(user\) groups=\1\(user\)/);
  expect(out).toMatch(/CapEff:\s+0000000000000000/);
  expect(out).toMatch(/NoNewPrivs:\s+1/);
  const primes = [...out.matchAll(/prime: (\d+)/g)].map((m) => Number(m[1]));
  expect(primes).toEqual([2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
  expect(out).toContain('hello, codebox');
  expect(out).toContain('sum of squares: 30');
  expect(out).toContain('CommandExitError: exit 2');
  expect(out).toMatch(/host \S+ unreachable: TimeoutError/);
  expect(runner.containerIds()).toEqual([]);
});
