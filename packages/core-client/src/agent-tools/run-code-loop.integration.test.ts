import { describe, expect, it } from 'vitest';
import { useRunner } from '../../../../test/support/use-runner.js';
import { commandsExecutor } from './code-executor.js';
import { runCodeLoop, type LoopMessage } from './run-code-loop.js';
import { SandboxSessions } from './sandbox-sessions.js';

const runner = useRunner();

/**
 * A scripted model that reacts to what it is shown, as a real one would: each turn gets the
 * conversation and must find the previous output in it.
 */
function model(turns: ((last: LoopMessage | undefined) => string)[]): (messages: readonly LoopMessage[]) => string {
  let turn = 0;
  return (messages) => {
    const next = turns[turn++];
    if (!next) throw new Error(`the script has no turn ${turn}`);
    return next(messages.at(-1));
  };
}

describe('runCodeLoop in real sandboxes with the commands executor', () => {
  it('runs the blocks of each reply, feeds back outputs and errors (skipping what follows a failure), and ends with the answer', async () => {
    const before = runner().containerIds().length;
    await using sessions = new SandboxSessions({ template: 'base' });
    const seen: string[] = [];
    const result = await sessions.withSession('thread-1', (sandbox) =>
      runCodeLoop({
        execute: commandsExecutor(sandbox, { timeoutMs: 30_000 }),
        messages: [{ role: 'user', content: 'Sum the squares of 1..10, then check it.' }],
        model: model([
          () => 'I will compute it.\n```python\ntotal = sum(i * i for i in range(1, 11))\nopen("/home/user/total.txt", "w").write(str(total))\nprint(total)\n```',
          (last) => {
            seen.push(last?.content ?? '');
            return 'Now from the shell and Node:\n```bash\ncat /home/user/total.txt; echo\n```\n```js\nconsole.log(require("fs").readFileSync("/home/user/total.txt", "utf8") * 2)\n```\n```ts\nconst n: number = 3;\nconsole.log(n)\n```';
          },
          (last) => {
            seen.push(last?.content ?? '');
            return 'Checking a failure:\n```python\nraise ValueError("not " + "right")\n```\n```bash\necho never\n```';
          },
          (last) => {
            seen.push(last?.content ?? '');
            return 'The sum of squares is 385.';
          },
        ]),
      }),
    );
    expect(result.stopReason).toBe('answer');
    expect(result.answer).toBe('The sum of squares is 385.');
    expect(seen[0]).toBe('Output (python):\nstdout: 385');
    // `require` is not defined in an .mjs module: the failing block stops the rest of the reply.
    expect(seen[1]).toMatch(/^Output of code block 1 \(bash\):\nstdout: 385\n\nOutput of code block 2 \(javascript\):\nstderr:\n[\s\S]*require is not defined[\s\S]*exit code: 1/);
    expect(seen[1]).toContain('Code block 3 was not run because block 2 failed.');
    expect(seen[2]).toMatch(/^Output of code block 1 \(python\):\nstderr:\nTraceback[\s\S]*ValueError: not right\nexit code: 1/);
    expect(seen[2]).toContain('Code block 2 was not run because block 1 failed.');
    expect(result.steps.map((s) => s.executions.map((e) => e.failed))).toEqual([[false], [false, true], [true], []]);
    // Scratch files are removed after each run.
    const tmp = await (await sessions.get('thread-1')).commands.run('ls /tmp');
    expect(tmp.stdout).not.toContain('codebox-run-');
    await sessions.close();
    expect(runner().containerIds()).toHaveLength(before);
  });

  it('runs javascript and typescript with the Node runtime the template carries', async () => {
    await using sessions = new SandboxSessions({ template: 'base' });
    const result = await sessions.withSession('thread-2', (sandbox) =>
      runCodeLoop({
        execute: commandsExecutor(sandbox),
        messages: [],
        maxSteps: 1,
        model: () => '```js\nconsole.log([1, 2, 3].map((x) => x * 2).join(","))\n```\n```typescript\nconst greet = (name: string): string => `hi ${name}`;\nconsole.log(greet("ts"))\n```',
      }),
    );
    expect(result.stopReason).toBe('max-steps');
    expect(result.steps[0]?.executions.map((e) => e.shaped.text)).toEqual(['stdout: 2,4,6', 'stdout: hi ts']);
  });

  it('feeds a command timeout back to the model as an error', async () => {
    await using sessions = new SandboxSessions({ template: 'base' });
    const result = await sessions.withSession('thread-3', (sandbox) =>
      runCodeLoop({
        execute: commandsExecutor(sandbox, { timeoutMs: 1500 }),
        messages: [],
        model: model([() => '```bash\nsleep 30\n```', (last) => `I saw: ${last?.content}`]),
      }),
    );
    expect(result.answer).toMatch(/^I saw: Output \(bash\):\nerror: TimeoutError: /);
  });
});
