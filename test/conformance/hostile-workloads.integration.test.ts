import { describe, expect, it, vi } from 'vitest';
import { CommandExitError, type Sandbox } from '@codebox/core-client';
import { ownClientSandbox } from '../support/own-client-sandbox.js';
import { runscExclusion } from '../support/runsc-exclusions.js';
import { useRunner } from '../support/use-runner.js';

useRunner();

/** What `commands.run` reports for a command the OOM killer ended, under runc (measured) and so under runsc. */
const OOM_KILLED_COMMAND = { exitCode: -1, error: 'signal: killed' };

/**
 * What untrusted code does to a sandbox on purpose or by accident. Each attack must stay inside
 * its sandbox, end with a clear result, and leave the sandbox serving the next request.
 */
describe('hostile workloads', () => {
  // Each case attacks its own sandbox, so one attack's aftermath cannot fail the next case.
  const TEMPLATE = 'code-interpreter-v1';

  const stillServes = async (sandbox: Sandbox): Promise<void> => {
    expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
    expect((await sandbox.runCode('1 + 1')).text).toBe('2');
  };

  it('makes user code, not the agent, the OOM killer’s choice', async () => {
    await using own = await ownClientSandbox(TEMPLATE);
    const sandbox = own.sandbox;
    expect((await sandbox.commands.run('cat /proc/self/oom_score_adj')).stdout).toBe('1000\n');
  });

  // Under runc the kernel's OOM killer acts; under runsc the agent's watchdog does (gVisor has none): same outcome.
  it('survives a memory bomb in the kernel: the caller is told, the kernel comes back empty', async () => {
    await using own = await ownClientSandbox(TEMPLATE);
    const sandbox = own.sandbox;
    await sandbox.runCode('kept = 1');
    const bomb = await sandbox
      .runCode('blocks = []\nwhile True:\n    blocks.append(bytearray(32 * 1024 * 1024))', { timeoutMs: 60_000 })
      .catch((error: Error) => error);
    const said = bomb instanceof Error ? bomb.message : `${bomb.error?.name}: ${bomb.error?.value}`;
    expect(said).toMatch(/memory|died|killed/i);
    await stillServes(sandbox);
    // A fresh kernel: the state before the bomb is gone, and that is said, not hidden.
    expect((await sandbox.runCode('kept')).error?.name).toBe('NameError');
  });

  it('ends a command that eats all memory as the OOM killer does (SIGKILL), and keeps serving', async () => {
    await using own = await ownClientSandbox(TEMPLATE);
    const sandbox = own.sandbox;
    const bomb = await sandbox.commands
      .run(`python3 -c 'b = []\nwhile True: b.append(bytearray(32 * 1024 * 1024))'`, { timeoutMs: 60_000 })
      .then(
        (result) => ({ exitCode: result.exitCode, error: result.error }),
        (error: CommandExitError) => ({ exitCode: error.exitCode, error: error.error }),
      );
    expect(bomb).toEqual(OOM_KILLED_COMMAND);
    await stillServes(sandbox);
  });

  it('contains a fork bomb', runscExclusion('fork-bomb-host-pids-backstop'), async () => {
    await using own = await ownClientSandbox(TEMPLATE);
    const sandbox = own.sandbox;
    // In the background, so the test holds its handle: the agent kills a command's whole process
    // group, and the bomb's children (no job control) stay in it.
    const bomb = await sandbox.commands.run('f() { f | f & }; f; sleep 600', { background: true });
    // The pids limit, not anything else, stops it: bash reports the refused fork.
    await expect.poll(() => bomb.stderr, { timeout: 60_000 }).toMatch(/fork: (retry: )?Resource temporarily unavailable/);
    expect(await bomb.kill()).toBe(true);
    const ended = await bomb.wait().catch((error: unknown) => error);
    expect(ended).toBeInstanceOf(CommandExitError);
    expect((ended as CommandExitError).error).toBe('signal: killed');
    // Killed processes free their pids once reaped; until then a new command may not start.
    await vi.waitFor(() => sandbox.commands.run('true'), { timeout: 30_000, interval: 500 });
    await stillServes(sandbox);
  });

  it('cuts an output flood at the cap and keeps the kernel', async () => {
    await using own = await ownClientSandbox(TEMPLATE);
    const sandbox = own.sandbox;
    const flood = await sandbox.runCode('import sys\nchunk = "x" * 1023 + "\\n"\nfor _ in range(30 * 1024):\n    sys.stdout.write(chunk)', {
      timeoutMs: 60_000,
    });
    expect(flood.error?.name).toBe('OutputLimitExceeded');
    const received = flood.logs.stdout.join('').length;
    expect(received).toBeLessThanOrEqual(10 * 1024 * 1024 + 64 * 1024);
    await stillServes(sandbox);
  });

  it('stops a disk fill at the sandbox’s disk limit', async () => {
    await using own = await ownClientSandbox(TEMPLATE);
    const sandbox = own.sandbox;
    const fill = await sandbox.commands
      .run('dd if=/dev/zero of=/home/user/fill bs=1M count=4096 status=none', { timeoutMs: 120_000 })
      .catch((error: { stderr?: string; exitCode?: number }) => error);
    expect(fill).toMatchObject({ exitCode: 1 });
    expect((fill as { stderr: string }).stderr).toMatch(/No space left on device/);
    await sandbox.commands.run('rm -f /home/user/fill');
    await stillServes(sandbox);
  });
});
