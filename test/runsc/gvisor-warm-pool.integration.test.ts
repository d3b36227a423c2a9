import { execFileSync } from 'node:child_process';
import { Sandbox } from '@e2b/code-interpreter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRunner, type RunnerHandle } from '../support/runner.js';
import { poolReady } from '../support/warm-pool.js';

/**
 * The warm pool under gVisor (test/pool covers it under runc): a pooled runsc container is handed
 * over with the create's env vars in commands and in the default Python kernel, which the hand-over
 * restarts on the new environment (forked again from the sandbox's preloaded parent, under gVisor).
 * One runner, one pooled container.
 */
const TEMPLATE = 'code-interpreter-v1';
let runner: RunnerHandle;
let opts: { apiKey: string; apiUrl: string; sandboxUrl: string };

beforeAll(async () => {
  runner = await startRunner({ env: { CODEBOX_RUNTIME: 'runsc', CODEBOX_POOL: `${TEMPLATE}=1` } });
  opts = { apiKey: runner.keys[0], apiUrl: runner.url, sandboxUrl: runner.url };
});
afterAll(async () => {
  await runner?.close();
});

describe('warm pool under runsc', () => {
  it('hands over a gVisor container with the env vars of the create in commands and the kernel', async () => {
    const [pooledId] = await poolReady(runner);
    const sandbox = await Sandbox.create(TEMPLATE, { ...opts, envs: { GREETING: 'hi' } });
    try {
      expect(sandbox.sandboxId).toBe(pooledId);
      const runtime = execFileSync('docker', ['inspect', '--format', '{{.HostConfig.Runtime}}', `codebox-${sandbox.sandboxId}`], { encoding: 'utf8' });
      expect(runtime.trim()).toBe('codebox-runsc');
      expect((await sandbox.commands.run('echo $GREETING')).stdout.trim()).toBe('hi');
      const execution = await sandbox.runCode('import os; print(os.environ["GREETING"])');
      expect(execution.logs.stdout.join('').trim()).toBe('hi');
      expect(execution.executionCount).toBe(1);
    } finally {
      await sandbox.kill();
    }
  });
});
