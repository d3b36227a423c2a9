import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopChildWithSigterm, useChildScript } from '../../../../test/support/sigterm-child.js';
import { useRunner } from '../../../../test/support/use-runner.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { SessionLimitError } from './errors.js';
import { SandboxSessions } from './sandbox-sessions.js';

const runner = useRunner();

/** Polls `check` until it holds (containers disappear a moment after a kill returns). */
async function eventually(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('SandboxSessions against a real runner', () => {
  it('creates a sandbox on first use, reuses it, and keeps state between calls', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: 'base' });
    expect(runner().containerIds()).toHaveLength(before);
    const first = await sessions.withSession('alice', async (sandbox) => {
      await sandbox.commands.run('echo remembered > /home/user/state');
      return sandbox;
    });
    expect(runner().containerIds()).toHaveLength(before + 1);
    const again = await sessions.get('alice');
    expect(again).toBe(first);
    expect((await again.commands.run('cat /home/user/state')).stdout).toBe('remembered\n');
    await sessions.get('bob');
    expect(runner().containerIds()).toHaveLength(before + 2);
    // The sandbox's own lifetime is set, so a leaked one would still end on the runner.
    const info = await first.getInfo();
    expect(info.endAt.getTime() - Date.now()).toBeGreaterThan(60_000);
  });

  it('kills a sandbox after the idle timeout', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: 'base', idleTimeoutMs: 1500 });
    const sandbox = await sessions.get('idle');
    expect(runner().containerIds()).toHaveLength(before + 1);
    expect(await sandbox.isRunning()).toBe(true);
    await eventually(() => !sessions.has('idle'), 10_000);
    await eventually(() => runner().containerIds().length === before);
    expect(await Sandbox.kill(sandbox.sandboxId)).toBe(false);
  });

  it('refuses a session past the limit without creating a sandbox', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: 'base', maxSessions: 1 });
    await sessions.get('one');
    await expect(sessions.get('two')).rejects.toBeInstanceOf(SessionLimitError);
    expect(runner().containerIds()).toHaveLength(before + 1);
  });

  it('leaves no sandbox behind when the agent throws inside await using', async () => {
    const before = runner().containerIds().length;
    const agent = async (): Promise<void> => {
      await using sessions = new SandboxSessions({ template: 'base' });
      await sessions.get('a');
      await Promise.all([sessions.get('b'), sessions.get('b')]);
      expect(runner().containerIds()).toHaveLength(before + 2);
      await sessions.withSession('a', async (sandbox) => {
        await sandbox.commands.run('exit 3');
      });
    };
    await expect(agent()).rejects.toMatchObject({ name: 'CommandExitError', exitCode: 3 });
    await eventually(() => runner().containerIds().length === before);
  });

  describe('in a child process stopped with SIGTERM', () => {
    const script = useChildScript(join(import.meta.dirname, 'testing/sessions-child.ts'));

    it('kills its sandboxes, then dies of the signal', async () => {
      const before = runner().containerIds().length;
      const { code, signal, output, tookMs } = await stopChildWithSigterm({
        script: script(),
        args: ['s1', 's2'],
        env: { CODEBOX_API_URL: runner().url, CODEBOX_API_KEY: runner().keys[0] },
        readyText: 'ready s1,s2',
        beforeSignal: (printed) => {
          expect(printed).toContain('ready s1,s2');
          expect(runner().containerIds()).toHaveLength(before + 2);
        },
      });
      // The signal's own effect after cleanup: death by SIGTERM, not a normal exit.
      expect({ code, signal, output }).toMatchObject({ code: null, signal: 'SIGTERM' });
      await eventually(() => runner().containerIds().length === before);
      console.log(`child closed 2 sessions and died of SIGTERM in ${tookMs} ms`);
    });
  });
});
