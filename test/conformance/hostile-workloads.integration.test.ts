import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import { runscExclusion } from '../support/runsc-exclusions.js';
import { useRunner } from '../support/use-runner.js';

useRunner();

/**
 * What untrusted code does to a sandbox on purpose or by accident. Each attack must stay inside
 * its sandbox, end with a clear result, and leave the sandbox serving the next request.
 */
describe('hostile workloads', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await Sandbox.create('code-interpreter-v1');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  const stillServes = async (): Promise<void> => {
    expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
    expect((await sandbox.runCode('1 + 1')).text).toBe('2');
  };

  it('makes user code, not the agent, the OOM killer’s choice', async () => {
    expect((await sandbox.commands.run('cat /proc/self/oom_score_adj')).stdout).toBe('1000\n');
  });

  it('survives a memory bomb in the kernel: the caller is told, the kernel comes back empty', runscExclusion('memory-bomb-kills-sandbox'), async () => {
    await sandbox.runCode('kept = 1');
    const bomb = await sandbox
      .runCode('blocks = []\nwhile True:\n    blocks.append(bytearray(32 * 1024 * 1024))', { timeoutMs: 60_000 })
      .catch((error: Error) => error);
    const said = bomb instanceof Error ? bomb.message : `${bomb.error?.name}: ${bomb.error?.value}`;
    expect(said).toMatch(/memory|died|killed/i);
    await stillServes();
    // A fresh kernel: the state before the bomb is gone, and that is said, not hidden.
    expect((await sandbox.runCode('kept')).error?.name).toBe('NameError');
  });

  it('contains a fork bomb', runscExclusion('fork-bomb-host-pids-backstop'), async () => {
    await sandbox.commands.run('f() { f | f & }; f; sleep 3', { timeoutMs: 8_000 }).catch(() => undefined);
    await sandbox.commands.run('pkill -9 -u user -f "bash -l -c f()" || true').catch(() => undefined);
    await stillServes();
  });

  it('cuts an output flood at the cap and keeps the kernel', async () => {
    const flood = await sandbox.runCode('import sys\nchunk = "x" * 1023 + "\\n"\nfor _ in range(30 * 1024):\n    sys.stdout.write(chunk)', {
      timeoutMs: 60_000,
    });
    expect(flood.error?.name).toBe('OutputLimitExceeded');
    const received = flood.logs.stdout.join('').length;
    expect(received).toBeLessThanOrEqual(10 * 1024 * 1024 + 64 * 1024);
    await stillServes();
  });

  it('stops a disk fill at the sandbox’s disk limit', async () => {
    const fill = await sandbox.commands
      .run('dd if=/dev/zero of=/home/user/fill bs=1M count=4096 status=none', { timeoutMs: 120_000 })
      .catch((error: { stderr?: string; exitCode?: number }) => error);
    expect(fill).toMatchObject({ exitCode: 1 });
    expect((fill as { stderr: string }).stderr).toMatch(/No space left on device/);
    await sandbox.commands.run('rm -f /home/user/fill');
    await stillServes();
  });
});
