import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '@codebox/core-client';
import { useRunner } from '../support/use-runner.js';
import { interpreterClients } from './interpreter-clients.js';

// Eleven Python kernels at once (the default one plus ten contexts) need about 450 MiB next to the
// agent; 1 GiB keeps that case about output isolation rather than the 512 MiB default's OOM
// behaviour, which hostile-workloads.integration.test.ts covers.
useRunner({ env: { CODEBOX_SANDBOX_MEMORY_MIB: '1024' } });

/** Per language: code for each conformance case, and how its answer shows. */
interface LanguageCase {
  language: string;
  hello: string;
  /** Two cells: the first sets state, the second's main result (or stdout) reads it. */
  setState: string;
  readState: string;
  stateAnswer: { text?: string; stdout?: string };
  /** Raises an uncaught error named `errorName` whose value contains `boom`. */
  raise: string;
  errorName: string | RegExp;
  /** Prints `a`, waits a second, prints `b`. */
  twoLinesApart: string;
  printEnv: string;
  printCwd: string;
  /** Runs until interrupted. */
  forever: string;
  onePlusOne: string;
  onePlusOneAnswer: { text?: string; stdout?: string };
}

const languages: LanguageCase[] = [
  {
    language: 'python',
    hello: 'print("hello")',
    setState: 'x = 21',
    readState: 'x * 2',
    stateAnswer: { text: '42' },
    raise: 'raise ValueError("boom")',
    errorName: 'ValueError',
    twoLinesApart: 'import time\nprint("a", flush=True)\ntime.sleep(1)\nprint("b")',
    printEnv: 'import os\nprint(os.environ.get("CBX_VAR"))',
    printCwd: 'import os\nprint(os.getcwd())',
    forever: 'import time\nwhile True:\n    time.sleep(0.05)',
    onePlusOne: '1 + 1',
    onePlusOneAnswer: { text: '2' },
  },
  {
    language: 'javascript',
    hello: 'console.log("hello")',
    setState: 'const x = 21',
    readState: 'x * 2',
    stateAnswer: { text: '42' },
    raise: 'throw new TypeError("boom")',
    errorName: 'TypeError',
    twoLinesApart: 'console.log("a"); await new Promise((r) => setTimeout(r, 1000)); console.log("b")',
    printEnv: 'console.log(process.env.CBX_VAR)',
    printCwd: 'console.log(process.cwd())',
    forever: 'await new Promise(() => {})',
    onePlusOne: '1 + 1',
    onePlusOneAnswer: { text: '2' },
  },
  {
    language: 'typescript',
    hello: 'const greeting: string = "hello"; console.log(greeting)',
    setState: 'const x: number = 21',
    readState: 'x * 2',
    stateAnswer: { text: '42' },
    raise: 'throw new RangeError("boom")',
    errorName: 'RangeError',
    twoLinesApart: 'console.log("a"); await new Promise<void>((r) => setTimeout(r, 1000)); console.log("b")',
    printEnv: 'console.log(process.env.CBX_VAR)',
    printCwd: 'console.log(process.cwd())',
    forever: 'await new Promise<void>(() => {})',
    onePlusOne: '1 + 1',
    onePlusOneAnswer: { text: '2' },
  },
  {
    language: 'r',
    hello: 'cat("hello\\n")',
    setState: 'x <- 21',
    readState: 'x * 2',
    stateAnswer: { text: '[1] 42' },
    raise: 'stop("boom")',
    // IRkernel names every R condition ERROR; keep Jupyter's own semantics.
    errorName: /^ERROR$/,
    twoLinesApart: 'cat("a\\n"); Sys.sleep(1); cat("b\\n")',
    printEnv: 'cat(Sys.getenv("CBX_VAR"), "\\n", sep = "")',
    printCwd: 'cat(getwd(), "\\n", sep = "")',
    forever: 'while (TRUE) Sys.sleep(0.05)',
    onePlusOne: '1 + 1',
    onePlusOneAnswer: { text: '[1] 2' },
  },
  {
    language: 'java',
    hello: 'System.out.println("hello");',
    setState: 'int x = 21;',
    readState: 'x * 2',
    stateAnswer: { text: '42' },
    raise: 'throw new IllegalStateException("boom");',
    errorName: /IllegalStateException/,
    twoLinesApart: 'System.out.println("a"); Thread.sleep(1000); System.out.println("b");',
    printEnv: 'System.out.println(System.getenv("CBX_VAR"));',
    printCwd: 'System.out.println(System.getProperty("user.dir"));',
    forever: 'while (true) { Thread.sleep(50); }',
    onePlusOne: '1 + 1',
    onePlusOneAnswer: { text: '2' },
  },
  {
    language: 'bash',
    hello: 'echo hello',
    setState: 'x=21',
    readState: 'echo $((x * 2))',
    stateAnswer: { stdout: '42\n' },
    raise: 'echo boom >&2; false',
    errorName: /./,
    twoLinesApart: 'echo a; sleep 1; echo b',
    printEnv: 'echo "$CBX_VAR"',
    printCwd: 'pwd',
    forever: 'while true; do sleep 0.05; done',
    onePlusOne: 'echo $((1 + 1))',
    onePlusOneAnswer: { stdout: '2\n' },
  },
];

function expectAnswer(execution: { text?: string; logs: { stdout: string[] } }, answer: { text?: string; stdout?: string }): void {
  if (answer.text !== undefined) expect(execution.text).toBe(answer.text);
  if (answer.stdout !== undefined) expect(execution.logs.stdout.join('')).toBe(answer.stdout);
}

describe.each(interpreterClients)('code interpreter through the $name client', ({ module }) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await module.Sandbox.create('code-interpreter-v1');
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('lists the default python and javascript contexts from the start', async () => {
    const contexts = await sandbox.listCodeContexts();
    expect(contexts.map((c) => c.language)).toEqual(expect.arrayContaining(['python', 'javascript']));
  });

  describe.each(languages)('$language', (lang) => {
    const run = (code: string, opts: Parameters<Sandbox['runCode']>[1] = {}) =>
      sandbox.runCode(code, { ...('context' in opts ? {} : { language: lang.language }), timeoutMs: 60_000, ...opts } as Parameters<Sandbox['runCode']>[1]);

    it('says hello', async () => {
      const execution = await run(lang.hello);
      expect(execution.error).toBeUndefined();
      expect(execution.logs.stdout.join('')).toBe('hello\n');
    });

    it('keeps state across calls, isolates a new context and forgets on restart', async () => {
      const context = await sandbox.createCodeContext({ language: lang.language });
      await sandbox.runCode(lang.setState, { context });
      expectAnswer(await sandbox.runCode(lang.readState, { context }), lang.stateAnswer);
      const other = await sandbox.createCodeContext({ language: lang.language });
      const isolated = await sandbox.runCode(lang.readState, { context: other });
      if (lang.language === 'bash') expect(isolated.logs.stdout.join('')).toBe('0\n');
      else expect(isolated.error).toBeDefined();
      await sandbox.restartCodeContext(context);
      const forgotten = await sandbox.runCode(lang.readState, { context });
      if (lang.language === 'bash') expect(forgotten.logs.stdout.join('')).toBe('0\n');
      else expect(forgotten.error).toBeDefined();
      await sandbox.removeCodeContext(other);
      await sandbox.removeCodeContext(context);
    });

    it('reports an uncaught error with name, value and traceback, then works again', async () => {
      const errors: unknown[] = [];
      const failed = await run(lang.raise, { onError: (error) => errors.push(error) });
      expect(failed.error).toBeDefined();
      expect(failed.error?.name).toMatch(lang.errorName);
      if (lang.language !== 'bash') expect(`${failed.error?.value} ${failed.error?.traceback}`).toContain('boom');
      expect(typeof failed.error?.traceback).toBe('string');
      expect(errors).toHaveLength(1);
      expectAnswer(await run(lang.onePlusOne), lang.onePlusOneAnswer);
    });

    it('streams each line when it is printed', async () => {
      const arrivals: { line: string; at: number }[] = [];
      await run(lang.twoLinesApart, {
        onStdout: (message) => {
          arrivals.push({ line: message.line, at: Date.now() });
        },
      });
      const a = arrivals.find((x) => x.line.startsWith('a'));
      const b = arrivals.find((x) => x.line.startsWith('b'));
      expect(a && b).toBeTruthy();
      expect(b!.at - a!.at).toBeGreaterThanOrEqual(800);
    });

    it('applies env vars to one execution only', async () => {
      const withVar = await run(lang.printEnv, { envs: { CBX_VAR: 'on-this-call' } });
      expect(withVar.logs.stdout.join('')).toBe('on-this-call\n');
      const without = await run(lang.printEnv);
      expect(without.logs.stdout.join('')).not.toContain('on-this-call');
    });

    it('runs a context in its own cwd', async () => {
      await sandbox.commands.run('mkdir -p /home/user/work-dir');
      const context = await sandbox.createCodeContext({ language: lang.language, cwd: '/home/user/work-dir' });
      const execution = await sandbox.runCode(lang.printCwd, { context });
      expect(execution.logs.stdout.join('')).toBe('/home/user/work-dir\n');
      await sandbox.removeCodeContext(context);
    });

    it('interrupts at the timeout, keeps the kernel, and answers the next call in it', async () => {
      const context = await sandbox.createCodeContext({ language: lang.language });
      await sandbox.runCode(lang.setState, { context });
      await expect(sandbox.runCode(lang.forever, { context, timeoutMs: 1_500 })).rejects.toThrow();
      expectAnswer(await sandbox.runCode(lang.onePlusOne, { context, timeoutMs: 10_000 }), lang.onePlusOneAnswer);
      expectAnswer(await sandbox.runCode(lang.readState, { context }), lang.stateAnswer);
      await sandbox.removeCodeContext(context);
    });
  });

  it('returns a matplotlib figure as a PNG of the figure size and a DataFrame as HTML', async () => {
    const plot = await sandbox.runCode(
      'import matplotlib.pyplot as plt\nfig = plt.figure(figsize=(4, 3), dpi=100)\nplt.plot([1, 2, 3], [3, 1, 2])\nplt.show()',
    );
    const png = plot.results.find((r) => r.png)?.png;
    expect(png).toBeDefined();
    const bytes = Buffer.from(png!, 'base64');
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([400, 300]);
    const frame = await sandbox.runCode('import pandas as pd\npd.DataFrame({"a": [1, 2], "b": [3, 4]})');
    expect(frame.results[0]?.html).toContain('<table');
    expect(frame.text).toContain('a  b');
  });

  it('returns an R data.frame as HTML and a plot as PNG', async () => {
    const frame = await sandbox.runCode('data.frame(a = 1:2, b = c("x", "y"))', { language: 'r' });
    expect(frame.results[0]?.html).toContain('<table');
    const plot = await sandbox.runCode('plot(1:10)', { language: 'r' });
    expect(plot.results.some((r) => r.png)).toBe(true);
  });

  it('gives each of 10 concurrent executions on 10 contexts only its own output', async () => {
    const contexts = await Promise.all(Array.from({ length: 10 }, () => sandbox.createCodeContext({ language: 'python' })));
    const executions = await Promise.all(
      contexts.map((context, i) => sandbox.runCode(`import time\nfor _ in range(3):\n    print("ctx-${i}", flush=True)\n    time.sleep(0.1)`, { context })),
    );
    executions.forEach((execution, i) => expect(execution.logs.stdout.join('')).toBe(`ctx-${i}\n`.repeat(3)));
    await Promise.all(contexts.map((c) => sandbox.removeCodeContext(c)));
  });
});

describe('ten sandboxes at once', () => {
  it('gives each caller only its own output', async () => {
    const { Sandbox: CodeboxSandbox } = interpreterClients[1]!.module;
    const sandboxes = await Promise.all(Array.from({ length: 10 }, () => CodeboxSandbox.create('code-interpreter-v1')));
    try {
      const executions = await Promise.all(sandboxes.map((s, i) => s.runCode(`print("sandbox-${i}")\n${i} * 2`)));
      executions.forEach((execution, i) => {
        expect(execution.logs.stdout.join('')).toBe(`sandbox-${i}\n`);
        expect(execution.text).toBe(String(i * 2));
      });
    } finally {
      await Promise.all(sandboxes.map((s) => s.kill()));
    }
  });
});
