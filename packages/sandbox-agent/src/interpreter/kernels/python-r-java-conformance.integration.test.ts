// The conformance cases for Python, R and Java, through the official
// `@e2b/code-interpreter` SDK (debug mode: http://localhost:49999) and through our client,
// against the built agent running in the kernels' dev image (Debian 13 packages, hardened
// container, no network), so the kernels are reached through the real /execute path.
import { Sandbox as OfficialSandbox } from '@e2b/code-interpreter';
import { Sandbox as CodeboxSandbox } from '@codebox/core-client';
import { CODE_INTERPRETER_PORT } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentDevContainer, type AgentDevContainer } from '../../testing/agent-dev-container.js';
import { requirePortFree } from '../../../../../test/support/test-prerequisites.js';
import { buildKernels } from '../../testing/interpreter-client.js';
import { pngSize } from '../../testing/png-size.js';

interface ContextLike {
  readonly id: string;
  readonly language: string;
  readonly cwd: string;
}
interface ResultLike {
  readonly png?: string;
  readonly html?: string;
  readonly markdown?: string;
  readonly latex?: string;
  readonly text?: string;
  readonly isMainResult: boolean;
}
interface ExecutionLike {
  readonly text: string | undefined;
  readonly results: ResultLike[];
  readonly logs: { stdout: string[]; stderr: string[] };
  readonly error?: { name: string; value: string; traceback: string } | undefined;
}
/** The part of both SDKs' `Sandbox` these cases use; both must satisfy it unchanged. */
interface CodeSandbox {
  runCode(
    code: string,
    opts?: { language?: string; context?: ContextLike; envs?: Record<string, string>; timeoutMs?: number; onStdout?: (output: { line: string }) => void },
  ): Promise<ExecutionLike>;
  createCodeContext(opts?: { language?: string; cwd?: string }): Promise<ContextLike>;
  restartCodeContext(context: ContextLike | string): Promise<void>;
  removeCodeContext(context: ContextLike | string): Promise<void>;
}

const LANGUAGES = ['python', 'r', 'java'] as const;
type Language = (typeof LANGUAGES)[number];

interface LanguageCases {
  readonly hello: string;
  readonly set: string;
  readonly get: string;
  readonly fail: string;
  readonly failName: string;
  readonly failValue: string;
  /** The error `get` gives in a context where `set` never ran. */
  readonly undefinedName: string;
  readonly twoLines: string;
  readonly env: string;
  readonly cwd: string;
  readonly forever: string;
  readonly add: string;
}

const CASES: Record<Language, LanguageCases> = {
  python: {
    hello: 'print("Hello, World!")',
    set: 'counter = 41',
    get: 'counter + 1',
    fail: 'raise ValueError("bad value")',
    failName: 'ValueError',
    failValue: 'bad value',
    undefinedName: 'NameError',
    twoLines: 'import time\nprint("a")\ntime.sleep(1)\nprint("b")',
    env: 'import os\nos.environ.get("RUN_ENV", "")',
    cwd: 'import os\nos.getcwd()',
    forever: 'while True:\n    pass',
    add: '1 + 1',
  },
  r: {
    hello: 'cat("Hello, World!\\n")',
    set: 'counter <- 41',
    get: 'counter + 1',
    fail: 'stop("bad value")',
    failName: 'ERROR',
    failValue: 'bad value',
    undefinedName: 'ERROR',
    twoLines: 'cat("a\\n")\nSys.sleep(1)\ncat("b\\n")',
    env: 'Sys.getenv("RUN_ENV")',
    cwd: 'getwd()',
    forever: 'repeat {}',
    add: '1 + 1',
  },
  java: {
    hello: 'System.out.println("Hello, World!");',
    set: 'int counter = 41;',
    get: 'counter + 1',
    fail: 'throw new IllegalStateException("bad value");',
    failName: 'java.lang.IllegalStateException',
    failValue: 'bad value',
    undefinedName: 'CompilationException',
    twoLines: 'System.out.println("a");\nThread.sleep(1000);\nSystem.out.println("b");',
    env: 'System.getenv().getOrDefault("RUN_ENV", "")',
    cwd: 'System.getProperty("user.dir")',
    forever: 'while (true) {}',
    add: '1 + 1',
  },
};

/** The main result as a plain value: R's `[1] "x"` and quoted strings unwrapped. */
function answer(execution: ExecutionLike): string | undefined {
  return execution.text
    ?.replace(/^\[1\] /, '')
    .replace(/^'(.*)'$/, '$1')
    .replace(/^"(.*)"$/, '$1');
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

describe('python, r and java through the official SDK and our client (agent in the dev image)', () => {
  let agent: AgentDevContainer;
  beforeAll(async () => {
    await requirePortFree(CODE_INTERPRETER_PORT, 'the official code-interpreter SDK in debug mode');
    buildKernels();
    agent = await startAgentDevContainer(CODE_INTERPRETER_PORT, '2g');
  }, 900_000);
  afterAll(() => agent?.close());

  const clients: [string, () => Promise<CodeSandbox>][] = [
    ['@e2b/code-interpreter', async () => (await OfficialSandbox.create({ debug: true })) as unknown as CodeSandbox],
    ['@codebox/core-client', async () => (await CodeboxSandbox.create({ debug: true, sandboxUrl: `http://127.0.0.1:${CODE_INTERPRETER_PORT}` })) as unknown as CodeSandbox],
  ];

  it('answers the first python runCode soon after the container starts, and measures it', async () => {
    const sandbox = await clients[0]![1]();
    const started = performance.now();
    expect((await sandbox.runCode('1+1')).text).toBe('2');
    const firstMs = performance.now() - started;
    const official: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await sandbox.runCode('1+1');
      official.push(performance.now() - t);
    }
    const ours = await clients[1]![1]();
    const codebox: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await ours.runCode('1+1');
      codebox.push(performance.now() - t);
    }
    console.log(
      `agent in dev image: health after ${agent.startMs} ms, first python 1+1 after ${(agent.startMs + firstMs).toFixed(0)} ms from docker run; ` +
        `runCode("1+1") p50/p95 official ${percentile(official, 50).toFixed(1)}/${percentile(official, 95).toFixed(1)} ms, ` +
        `ours ${percentile(codebox, 50).toFixed(1)}/${percentile(codebox, 95).toFixed(1)} ms; container memory ${agent.memoryMiB().toFixed(1)} MiB`,
    );
    expect(firstMs).toBeLessThan(5_000);
  });

  describe.each(clients)('%s', (_client, connect) => {
    let sandbox: CodeSandbox;
    beforeAll(async () => {
      sandbox = await connect();
    });

    describe.each(LANGUAGES)('%s', (language) => {
      const code = CASES[language];

      it('prints hello world, keeps state, isolates contexts and clears state on restart', async () => {
        const first = await sandbox.createCodeContext({ language });
        const second = await sandbox.createCodeContext({ language });
        const hello = await sandbox.runCode(code.hello, { context: first });
        expect(hello.logs.stdout).toEqual(['Hello, World!\n']);
        expect(hello.error).toBeUndefined();
        await sandbox.runCode(code.set, { context: first });
        expect(answer(await sandbox.runCode(code.get, { context: first }))).toBe('42');
        expect((await sandbox.runCode(code.get, { context: second })).error?.name).toBe(code.undefinedName);
        await sandbox.restartCodeContext(first);
        expect((await sandbox.runCode(code.get, { context: first })).error?.name).toBe(code.undefinedName);
        await sandbox.removeCodeContext(first);
        await sandbox.removeCodeContext(second);
      });

      it('reports an error with name, value and traceback, then runs the next call', async () => {
        const context = await sandbox.createCodeContext({ language });
        const failed = await sandbox.runCode(code.fail, { context });
        expect(failed.error).toMatchObject({ name: code.failName, value: code.failValue });
        expect(failed.error?.traceback).toContain('bad value');
        expect(answer(await sandbox.runCode(code.add, { context }))).toBe('2');
        await sandbox.removeCodeContext(context);
      });

      it('streams two lines printed 1 s apart at least 0.8 s apart', async () => {
        const context = await sandbox.createCodeContext({ language });
        const arrivals: [string, number][] = [];
        await sandbox.runCode(code.twoLines, { context, onStdout: (output) => void arrivals.push([output.line, performance.now()]) });
        expect(arrivals.map(([line]) => line)).toEqual(['a\n', 'b\n']);
        expect(arrivals[1]![1] - arrivals[0]![1]).toBeGreaterThanOrEqual(800);
        await sandbox.removeCodeContext(context);
      });

      it('applies envs to that execution only and runs a context in its cwd', async () => {
        const context = await sandbox.createCodeContext({ language, cwd: '/tmp' });
        expect(answer(await sandbox.runCode(code.env, { context, envs: { RUN_ENV: 'only-now' } }))).toBe('only-now');
        expect(answer(await sandbox.runCode(code.env, { context }))).toBe('');
        expect(answer(await sandbox.runCode(code.cwd, { context }))).toBe('/tmp');
        await sandbox.removeCodeContext(context);
      });

      it('interrupts on timeout, keeps state and answers the next call in the same kernel', async () => {
        const context = await sandbox.createCodeContext({ language });
        await sandbox.runCode(code.set, { context });
        await expect(sandbox.runCode(code.forever, { context, timeoutMs: 500 })).rejects.toMatchObject({ name: 'TimeoutError' });
        expect(answer(await sandbox.runCode(code.add, { context }))).toBe('2');
        expect(answer(await sandbox.runCode(code.get, { context }))).toBe('42');
        await sandbox.removeCodeContext(context);
      });
    });

    it('returns a matplotlib figure as a PNG of its size and a DataFrame as HTML (python)', async () => {
      const plot = await sandbox.runCode('import matplotlib.pyplot as plt\nplt.figure(figsize=(5, 4), dpi=80)\nplt.plot([1, 2, 3])\nplt.show()');
      const png = plot.results.find((result) => result.png)?.png;
      expect(png && pngSize(png)).toEqual({ width: 400, height: 320 });
      const frame = await sandbox.runCode('import pandas as pd\npd.DataFrame({"a": [1, 2], "b": ["x", "y"]})');
      expect(frame.results[0]?.html).toMatch(/<table[^>]*class="dataframe"/);
      expect(frame.text).toMatch(/a\s+b/);
    });

    it('returns an R data.frame as HTML, markdown and LaTeX, and a plot as a PNG (r)', async () => {
      const frame = await sandbox.runCode('data.frame(a = 1:2, b = c("x", "y"))', { language: 'r' });
      const main = frame.results.find((result) => result.isMainResult);
      expect(main?.html).toMatch(/<table class="dataframe">/);
      expect(main?.markdown).toMatch(/\| 1 \| x \|/);
      expect(main?.latex).toMatch(/tabular/);
      const plot = await sandbox.runCode('options(repr.plot.width = 5, repr.plot.height = 4, repr.plot.res = 80)\nplot(1:10)', { language: 'r' });
      const png = plot.results.find((result) => result.png)?.png;
      expect(png && pngSize(png)).toEqual({ width: 400, height: 320 });
    });

    it('compiles and runs a complete Java program (java)', async () => {
      const program = await sandbox.runCode('public class Main {\n  public static void main(String[] args) {\n    System.out.println("from main");\n  }\n}', { language: 'java' });
      expect(program.error).toBeUndefined();
      expect(program.logs.stdout).toEqual(['from main\n']);
    });

    it('runs 10 executions on 10 python and r contexts at once, each getting only its own output', async () => {
      const contexts = await Promise.all(Array.from({ length: 10 }, (_, i) => sandbox.createCodeContext({ language: i % 2 ? 'r' : 'python' })));
      const executions = await Promise.all(
        contexts.map((context, i) =>
          sandbox.runCode(
            i % 2 ? `for (n in 1:3) { cat(sprintf("ctx${i}-%d\\n", n)) }` : `import time\nfor n in range(1, 4):\n    print(f"ctx${i}-{n}")\n    time.sleep(0.1)`,
            { context },
          ),
        ),
      );
      executions.forEach((execution, i) => expect(execution.logs.stdout.join('')).toBe(`ctx${i}-1\nctx${i}-2\nctx${i}-3\n`));
      await Promise.all(contexts.map((context) => sandbox.removeCodeContext(context)));
    });
  });
});
