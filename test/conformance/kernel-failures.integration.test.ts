import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KernelCrashLoopError, KernelOutOfMemoryError, type Execution, type Sandbox as CodeboxSandbox } from '@codebox/core-client';
import { sandboxOomKills } from '../support/oom-kills.js';
import { useRunner } from '../support/use-runner.js';
import { interpreterClients } from './interpreter-clients.js';

useRunner();

/** Kills every python kernel bridge that starts after it, as soon as it appears; appends each pid killed to argv[1]. */
const KILLER = `import os, sys, time
def bridges():
    found = set()
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            argv = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\\0')
        except OSError:
            continue
        # A kernel forked by the zygote keeps the zygote's command line; the zygote itself is known.
        if argv[0] == b'python3' and len(argv) > 1 and argv[1].endswith((b'/bridge.py', b'/zygote.py')):
            found.add(int(pid))
    return found
known = bridges()
open(sys.argv[1], 'w').close()
while True:
    for pid in bridges() - known:
        known.add(pid)
        try:
            os.kill(pid, 9)
        except OSError:
            continue
        with open(sys.argv[1], 'a') as kills:
            kills.write(f'{pid}\\n')
    time.sleep(0.005)
`;

/** An execution's outcome in one shape, whichever way the client reported it. */
type Outcome = { readonly execution: Execution; readonly errorName: string | undefined; readonly errorValue: string } | { readonly thrown: Error };

async function run(sandbox: CodeboxSandbox, code: string, opts: Parameters<CodeboxSandbox['runCode']>[1] = {}): Promise<Outcome & { ms: number }> {
  const started = Date.now();
  try {
    const execution = await sandbox.runCode(code, opts);
    return { execution, errorName: execution.error?.name, errorValue: execution.error?.value ?? '', ms: Date.now() - started };
  } catch (error) {
    return { thrown: error as Error, ms: Date.now() - started };
  }
}

describe.each(interpreterClients)('code contexts against hostile callers and dying kernels through the $name client', ({ name, module }) => {
  const { Sandbox } = module;
  // Both sandboxes (default 512 MiB) are made up front, side by side.
  let hostile: CodeboxSandbox;
  let crowded: CodeboxSandbox;
  beforeAll(async () => {
    [hostile, crowded] = await Promise.all([Sandbox.create('code-interpreter-v1'), Sandbox.create('code-interpreter-v1')]);
  });
  afterAll(async () => {
    await Promise.all([hostile?.kill(), crowded?.kill()]);
  });

  describe('a sandbox with the default memory limit', () => {
    let sandbox: CodeboxSandbox;
    beforeAll(() => {
      sandbox = hostile;
    });

    const oomKills = (): Promise<number> => sandboxOomKills(sandbox);
    const stillServes = async (): Promise<void> => {
      expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
      expect((await sandbox.runCode('1 + 1')).text).toBe('2');
    };

    it('refuses contexts past the cap with a 429 naming the limit, and never loops on OOM kills', async () => {
      const before = await oomKills();
      const created: string[] = [];
      const refused: Error[] = [];
      for (let i = 0; i < 25; i += 1) {
        try {
          const context = await sandbox.createCodeContext({ language: i % 5 === 4 ? 'java' : 'python' });
          created.push(context.id);
          await sandbox.restartCodeContext(context);
        } catch (error) {
          refused.push(error as Error);
        }
      }
      // Every call past the cap is refused, and says why (the official SDK shows status and reason).
      expect(refused.length).toBeGreaterThan(0);
      // Nothing else failed: no restart error, no 5xx (the official SDK says `429 <reason>`, ours the body).
      expect(refused.map((error) => error.message).filter((message) => !/429|limit of \d+ code contexts/.test(message))).toEqual([]);
      expect(created.length + refused.length).toBe(25);
      for (const error of refused) expect(error.message).toMatch(/429.*(contexts|limit).*\d+|limit of \d+ code contexts/i);
      if (name === 'codebox') expect(refused[0]?.name).toBe('CodeContextLimitError');
      const listed = await sandbox.listCodeContexts();
      expect(listed.length).toBeLessThanOrEqual(64);
      expect(listed.length).toBe(created.length + 2);

      await stillServes();
      // Restarting is not a way to pile up kernels: nothing was OOM-killed, now or a little later.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await oomKills()).toBe(before);

      // Freed slots can be used again.
      for (const id of created) await sandbox.removeCodeContext(id);
      const again = await sandbox.createCodeContext({ language: 'python' });
      expect((await sandbox.runCode('40 + 2', { context: again })).text).toBe('42');
      await sandbox.removeCodeContext(again);
    });

    it('reaps a dead kernel’s whole process group and reports the death at once', async () => {
      const context = await sandbox.createCodeContext({ language: 'python' });
      const marker = `reap-${name}`;
      const died = await run(sandbox, `import subprocess, os, signal\nsubprocess.Popen(["bash", "-c", "exec -a ${marker} sleep 1000"])\nprint("spawned", flush=True)\nos.kill(os.getpid(), signal.SIGKILL)`, {
        context,
        timeoutMs: 60_000,
      });
      if ('thrown' in died) throw died.thrown;
      expect(died.errorName).toBe('KernelDiedError');
      expect(died.errorValue).toMatch(/killed by SIGKILL.*not by the out-of-memory killer/);
      // What it printed before dying reaches the caller with the error.
      expect(died.execution.logs.stdout.join('')).toBe('spawned\n');
      expect(died.ms).toBeLessThan(10_000);
      // `exec -a` made the sleep's argv[0] the marker; nothing else's command line starts with it.
      expect((await sandbox.commands.run(`ps -eo args= | grep -c '^${marker}' || true`)).stdout.trim()).toBe('0');
      expect((await sandbox.runCode('6 * 7', { context })).text).toBe('42');
      await sandbox.removeCodeContext(context);
    });

    it('gives up on a kernel that dies every time it starts: a typed error, fast, and no restart loop', async () => {
      const dir = `/tmp/doomed-${name}`;
      // Kills every python kernel that starts after it (the ones running when it starts are known), as soon as it
      // appears, and counts the kills. One Python process polling every 5 ms: a shell loop forking pgrep is too slow
      // under gVisor (250 ms a round, while a kernel starts and answers in less), and gVisor denies
      // /proc/<pid>/cwd even to the same user, so new kernels are told apart by pid.
      await sandbox.files.write(`/tmp/killer-${name}.py`, KILLER);
      const killer = await sandbox.commands.run(
        `mkdir -p ${dir}; rm -f /tmp/kills-${name}; exec python3 /tmp/killer-${name}.py /tmp/kills-${name}`,
        { background: true },
      );
      // It makes the file once it knows the kernels already running: only then may the doomed one start.
      await expect.poll(async () => (await sandbox.commands.run(`test -f /tmp/kills-${name} && echo ready || true`)).stdout, { timeout: 30_000 }).toBe('ready\n');
      const kills = async (): Promise<number> => Number((await sandbox.commands.run(`wc -l < /tmp/kills-${name}`)).stdout.trim());
      try {
        const context = await sandbox.createCodeContext({ language: 'python', cwd: dir });
        const outcomes: Array<Outcome & { ms: number }> = [];
        for (let i = 0; i < 8; i += 1) outcomes.push(await run(sandbox, 'print("alive")', { context, timeoutMs: 60_000 }));
        // Each call fails with a typed kernel error (never a timeout, never success) ...
        for (const outcome of outcomes) {
          expect('thrown' in outcome ? outcome.thrown.message : `${outcome.errorName}: ${outcome.errorValue}`).toMatch(/^Kernel(Start|Died|CrashLoop)Error: /);
        }
        // ... and the context gives up after a few tries: the rest fail fast with the same typed error.
        const names = outcomes.map((outcome) => ('thrown' in outcome ? 'thrown' : outcome.errorName));
        const gaveUpAt = names.indexOf('KernelCrashLoopError');
        expect(gaveUpAt).toBeGreaterThan(0);
        expect(gaveUpAt).toBeLessThanOrEqual(5);
        expect(names.slice(gaveUpAt).every((n) => n === 'KernelCrashLoopError')).toBe(true);
        const last = outcomes.at(-1);
        expect(last && !('thrown' in last) ? last.errorValue : '').toMatch(/restart|delete/i);
        if (name === 'codebox') expect(last && !('thrown' in last) ? last.execution.error : undefined).toBeInstanceOf(KernelCrashLoopError);
        // Fail fast: far below the 60 s execution timeout (no kernel is started any more).
        for (const outcome of outcomes.slice(gaveUpAt + 1)) expect(outcome.ms).toBeLessThan(5_000);
        const killed = await kills();
        expect(killed).toBeLessThanOrEqual(5);
        await run(sandbox, 'print("alive")', { context });
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        expect(await kills()).toBe(killed);

        // An explicit restart tries again; with the killer gone the context works.
        await killer.kill();
        await sandbox.restartCodeContext(context);
        const back = await run(sandbox, 'print("alive")', { context });
        expect('thrown' in back ? back.thrown.message : back.execution.logs.stdout.join('')).toBe('alive\n');
        await sandbox.removeCodeContext(context);
      } finally {
        await killer.kill().catch(() => undefined);
      }
      await stillServes();
    });
  });

  describe('one sandbox at 512 MiB running a context per language and extra pandas/matplotlib contexts', () => {
    let sandbox: CodeboxSandbox;
    beforeAll(() => {
      sandbox = crowded;
    });

    const PANDAS_SETUP = 'import pandas as pd\nimport matplotlib.pyplot as plt\ndf = pd.DataFrame({"a": range(1000), "b": range(1000)})\nlen(df)';
    const PANDAS_CHECK = 'plt.plot(df["a"], df["b"])\nplt.show()\ndf.head()';

    /** Either a full success (`check` passes) or the typed OOM error naming the cause; never a timeout, never a partial success. */
    const fullOrOom = (outcome: Outcome & { ms: number }, check: (execution: Execution) => void): 'ok' | 'oom' => {
      expect(outcome.ms).toBeLessThan(60_000);
      if ('thrown' in outcome) throw outcome.thrown;
      if (outcome.errorName === undefined) {
        check(outcome.execution);
        return 'ok';
      }
      expect(`${outcome.errorName}: ${outcome.errorValue}`).toMatch(/^KernelOutOfMemoryError: out of memory: .*512 MiB memory limit/);
      // Our client hands it over as a typed class; the official SDK as an ExecutionError of that name.
      if (name === 'codebox') expect(outcome.execution.error).toBeInstanceOf(KernelOutOfMemoryError);
      expect(outcome.errorValue).toMatch(/(python|java|r|javascript|typescript|bash) context [0-9a-f-]{8,} held \d+ MiB/);
      return 'oom';
    };

    it('reports every OOM kill at once as a typed error naming the cause, and the next call gets a fresh kernel', async () => {
      const pandas = [await sandbox.createCodeContext({ language: 'python' }), await sandbox.createCodeContext({ language: 'python' })];
      const hungry = await sandbox.createCodeContext({ language: 'python' });
      const timeoutMs = 120_000;
      const results: Array<'ok' | 'oom'> = [];

      const checks: Array<[string, () => Promise<Outcome & { ms: number }>, (execution: Execution) => void]> = [
        ['python', () => run(sandbox, 'sum(range(10))', { timeoutMs }), (e) => expect(e.text).toBe('45')],
        ['javascript', () => run(sandbox, '[1, 2].length', { language: 'javascript', timeoutMs }), (e) => expect(e.text).toBe('2')],
        ['typescript', () => run(sandbox, 'const n: number = 3; n', { language: 'typescript', timeoutMs }), (e) => expect(e.text).toBe('3')],
        ['bash', () => run(sandbox, 'echo hi', { language: 'bash', timeoutMs }), (e) => expect(e.logs.stdout.join('')).toBe('hi\n')],
        ['r', () => run(sandbox, '1 + 1', { language: 'r', timeoutMs }), (e) => expect(e.text).toBe('[1] 2')],
        ['java', () => run(sandbox, 'int x = 40 + 2;\nx', { language: 'java', timeoutMs }), (e) => expect(e.text).toBe('42')],
      ];
      for (const context of pandas) {
        checks.push([
          `pandas ${context.id}`,
          async () => {
            const setup = await run(sandbox, PANDAS_SETUP, { context, timeoutMs });
            if ('thrown' in setup || setup.errorName) return setup;
            return run(sandbox, PANDAS_CHECK, { context, timeoutMs });
          },
          (e) => {
            expect(e.results.some((result) => result.png)).toBe(true);
            expect(e.text).toContain('a');
            expect(e.results.find((result) => result.isMainResult)?.html).toContain('<table');
          },
        ]);
      }
      // Everything is loaded once, then the memory-hungry cell, then every context is used again.
      for (const [, call, check] of checks) results.push(fullOrOom(await call(), check));
      const hog = await run(sandbox, 'blocks = []\nwhile True:\n    blocks.append(b"x" * (16 * 1024 * 1024))', { context: hungry, timeoutMs });
      expect(fullOrOom(hog, () => expect.unreachable('an endless allocation cannot succeed'))).toBe('oom');
      for (const [, call, check] of checks) results.push(fullOrOom(await call(), check));

      // The context whose kernel was killed works again, on a fresh kernel.
      const fresh = await run(sandbox, 'blocks', { context: hungry, timeoutMs });
      expect('thrown' in fresh ? fresh.thrown.message : fresh.errorName).toBe('NameError');
      expect((await sandbox.runCode('6 * 7', { context: hungry })).text).toBe('42');
      // Each context recovers: any still reporting its OOM answers on the next call.
      for (const [, call, check] of checks) {
        const outcome = await call();
        if (fullOrOom(outcome, check) === 'oom') fullOrOom(await call(), check);
      }
      expect((await sandbox.commands.run('echo alive')).stdout).toBe('alive\n');
    });
  });
});
