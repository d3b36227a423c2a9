// The code-interpreter conformance scenarios, written once. Three setups drive them, each keeping only
// how it starts the agent, which languages it serves and which clients it connects:
//   test/conformance/code-interpreter.integration.test.ts — runner + code-interpreter-v1 template (runc, runsc);
//   packages/sandbox-agent/src/interpreter/sdk-conformance.integration.test.ts — agent on loopback (bash/js/ts);
//   packages/sandbox-agent/src/interpreter/kernels/python-r-java-conformance.integration.test.ts — agent in the
//   kernels' dev image (python/r/java).
// Before this table each file had its own copy and they had drifted (different code, looser answers in one,
// scenarios only one file had); the expected answers here are exact and the same for every setup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pngSize } from '../../packages/sandbox-agent/src/testing/png-size.js';

export interface ContextLike {
  readonly id: string;
  readonly language: string;
  readonly cwd: string;
}
export interface ResultLike {
  readonly png?: string;
  readonly html?: string;
  readonly markdown?: string;
  readonly latex?: string;
  readonly text?: string;
  readonly isMainResult: boolean;
}
export interface ExecutionLike {
  readonly text: string | undefined;
  readonly results: ResultLike[];
  readonly logs: { stdout: string[]; stderr: string[] };
  readonly error?: { name: string; value: string; traceback: string } | undefined;
}
export interface RunCodeOptions {
  language?: string;
  context?: ContextLike;
  envs?: Record<string, string>;
  timeoutMs?: number;
  onStdout?: (output: { line: string }) => void;
  onError?: (error: unknown) => void;
}
/** The part of both SDKs' `Sandbox` the scenarios use; the official SDK's and ours must satisfy it unchanged. */
export interface CodeSandbox {
  runCode(code: string, opts?: RunCodeOptions): Promise<ExecutionLike>;
  createCodeContext(opts?: { language?: string; cwd?: string }): Promise<ContextLike>;
  listCodeContexts(): Promise<ContextLike[]>;
  restartCodeContext(context: ContextLike | string): Promise<void>;
  removeCodeContext(context: ContextLike | string): Promise<void>;
}

/** One client as a setup connects it: how to get a sandbox, and the `TimeoutError` class that client throws. */
export interface ScenarioClient {
  readonly name: string;
  open(): Promise<CodeSandbox>;
  close?(sandbox: CodeSandbox): Promise<void>;
  readonly TimeoutError: abstract new (...args: never[]) => Error;
}

export type Language = 'python' | 'javascript' | 'typescript' | 'r' | 'java' | 'bash';

/** What a language-specific scenario must show; every field given is asserted. */
export interface ExtraExpectation {
  /** stdout exactly, one entry per line. */
  readonly stdout?: readonly string[];
  /** Width and height of the first PNG result. */
  readonly pngSize?: { width: number; height: number };
  /** Matched against the main result's html, markdown, latex; `text` against the execution's text. */
  readonly html?: RegExp;
  readonly markdown?: RegExp;
  readonly latex?: RegExp;
  readonly text?: RegExp;
}

export interface LanguageScenarios {
  /**
   * Where the answer of an expression shows: the main result's `text`, or for bash, which has no
   * results, stdout. Every `answer` below is that string, exactly.
   */
  readonly answerIn: 'text' | 'stdout';
  /** Prints `Hello, World!` and a newline. */
  readonly hello: string;
  /** `set` defines counter = 41; `get` reads counter + 1. */
  readonly state: {
    readonly set: string;
    readonly get: string;
    readonly answer: string;
    /** What `get` gives where `set` never ran (another context, or after a restart). */
    readonly unset: { readonly errorName: string } | { readonly answer: string };
  };
  /** An uncaught error; its `name` and `value` exactly, and text the traceback (or stderr) contains. */
  readonly error: {
    readonly code: string;
    readonly name: string;
    readonly value: string;
    readonly tracebackContains?: string;
    readonly stderrContains?: string;
  };
  /** Prints `a`, waits 1 s, prints `b`. */
  readonly twoLines: string;
  /** Reads RUN_ENV as the answer (the empty string when unset). */
  readonly env: { readonly code: string; readonly answerSet: string; readonly answerUnset: string };
  /** The working directory as the answer, for a context created with cwd `/tmp`. */
  readonly cwd: { readonly code: string; readonly answer: string };
  /** Runs until interrupted, without yielding. */
  readonly forever: string;
  /** 1 + 1. */
  readonly add: { readonly code: string; readonly answer: string };
  /** Prints `${tag}-1`, `${tag}-2`, `${tag}-3`, 0.1 s apart (stdout exactly those three lines). */
  countToThree(tag: string): string;
  /** Scenarios only this language has (rich output, complete programs). */
  readonly extras?: ReadonlyArray<{ readonly name: string; readonly code: string; readonly expect: ExtraExpectation }>;
}

export const ENV_VALUE = 'only-now';
export const CONTEXT_CWD = '/tmp';
/** Short enough to keep the file quick; interrupting works the same however long it ran. */
export const INTERRUPT_AFTER_MS = 1_000;

/**
 * Per language, the code and the exact answers. The answers differ per language, never per setup:
 * the same agent and kernels answer in all three. String answers are the kernel's own display form:
 * Python's and JavaScript's repr ('x'), R's print form ([1] "x"), Java's ("x"). E2B's code-interpreter
 * strips one pair of surrounding quotes from a string result's text/plain, so E2B answers x: that
 * difference is an open conformance item (issue 10); asserting today's text keeps it visible.
 */
export const INTERPRETER_SCENARIOS: Readonly<Record<Language, LanguageScenarios>> = {
  python: {
    answerIn: 'text',
    hello: 'print("Hello, World!")',
    state: { set: 'counter = 41', get: 'counter + 1', answer: '42', unset: { errorName: 'NameError' } },
    // IPython colours the traceback, so only the value is searched in it.
    error: { code: 'raise ValueError("bad value")', name: 'ValueError', value: 'bad value', tracebackContains: 'bad value' },
    twoLines: 'import time\nprint("a")\ntime.sleep(1)\nprint("b")',
    env: { code: 'import os\nos.environ.get("RUN_ENV", "")', answerSet: `'${ENV_VALUE}'`, answerUnset: "''" },
    cwd: { code: 'import os\nos.getcwd()', answer: `'${CONTEXT_CWD}'` },
    forever: 'while True:\n    pass',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) => `import time\nfor n in range(1, 4):\n    print(f"${tag}-{n}")\n    time.sleep(0.1)`,
    extras: [
      {
        name: 'returns a matplotlib figure as a PNG of the figure size',
        code: 'import matplotlib.pyplot as plt\nplt.figure(figsize=(5, 4), dpi=80)\nplt.plot([1, 2, 3])\nplt.show()',
        expect: { pngSize: { width: 400, height: 320 } },
      },
      {
        name: 'returns a DataFrame as HTML and text',
        code: 'import pandas as pd\npd.DataFrame({"a": [1, 2], "b": ["x", "y"]})',
        expect: { html: /<table[^>]*class="dataframe"/, text: /a\s+b/ },
      },
    ],
  },
  javascript: {
    answerIn: 'text',
    hello: "console.log('Hello, World!')",
    state: { set: 'const counter = 41', get: 'counter + 1', answer: '42', unset: { errorName: 'ReferenceError' } },
    error: { code: "throw new RangeError('bad value')", name: 'RangeError', value: 'bad value', tracebackContains: 'RangeError: bad value' },
    twoLines: "console.log('a'); await new Promise((r) => setTimeout(r, 1000)); console.log('b')",
    env: { code: "process.env.RUN_ENV ?? ''", answerSet: `'${ENV_VALUE}'`, answerUnset: "''" },
    cwd: { code: 'process.cwd()', answer: `'${CONTEXT_CWD}'` },
    forever: 'while (true) {}',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) => `for (const n of [1, 2, 3]) { console.log('${tag}-' + n); await new Promise((r) => setTimeout(r, 100)); }`,
  },
  typescript: {
    answerIn: 'text',
    hello: "const greeting: string = 'Hello, World!'; console.log(greeting)",
    state: { set: 'const counter: number = 41', get: 'counter + 1', answer: '42', unset: { errorName: 'ReferenceError' } },
    error: { code: "throw new RangeError('bad value')", name: 'RangeError', value: 'bad value', tracebackContains: 'RangeError: bad value' },
    twoLines: "console.log('a'); await new Promise<void>((r) => setTimeout(r, 1000)); console.log('b')",
    env: { code: "(process.env.RUN_ENV ?? '') as string", answerSet: `'${ENV_VALUE}'`, answerUnset: "''" },
    cwd: { code: 'process.cwd()', answer: `'${CONTEXT_CWD}'` },
    forever: 'while (true) {}',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) =>
      `for (const n of [1, 2, 3] as number[]) { console.log('${tag}-' + n); await new Promise<void>((r) => setTimeout(r, 100)); }`,
  },
  r: {
    answerIn: 'text',
    hello: 'cat("Hello, World!\\n")',
    // IRkernel names every R condition ERROR; Jupyter's own semantics are kept.
    state: { set: 'counter <- 41', get: 'counter + 1', answer: '[1] 42', unset: { errorName: 'ERROR' } },
    error: { code: 'stop("bad value")', name: 'ERROR', value: 'bad value', tracebackContains: 'bad value' },
    twoLines: 'cat("a\\n")\nSys.sleep(1)\ncat("b\\n")',
    env: { code: 'Sys.getenv("RUN_ENV")', answerSet: `[1] "${ENV_VALUE}"`, answerUnset: '[1] ""' },
    cwd: { code: 'getwd()', answer: `[1] "${CONTEXT_CWD}"` },
    forever: 'repeat {}',
    add: { code: '1 + 1', answer: '[1] 2' },
    countToThree: (tag) => `for (n in 1:3) { cat(sprintf("${tag}-%d\\n", n)); Sys.sleep(0.1) }`,
    extras: [
      {
        name: 'returns a data.frame as HTML, markdown and LaTeX',
        code: 'data.frame(a = 1:2, b = c("x", "y"))',
        expect: { html: /<table class="dataframe">/, markdown: /\| 1 \| x \|/, latex: /tabular/ },
      },
      {
        name: 'returns a plot as a PNG of the plot size',
        code: 'options(repr.plot.width = 5, repr.plot.height = 4, repr.plot.res = 80)\nplot(1:10)',
        expect: { pngSize: { width: 400, height: 320 } },
      },
    ],
  },
  java: {
    answerIn: 'text',
    hello: 'System.out.println("Hello, World!");',
    state: { set: 'int counter = 41;', get: 'counter + 1', answer: '42', unset: { errorName: 'CompilationException' } },
    error: {
      code: 'throw new IllegalStateException("bad value");',
      name: 'java.lang.IllegalStateException',
      value: 'bad value',
      tracebackContains: 'bad value',
    },
    twoLines: 'System.out.println("a");\nThread.sleep(1000);\nSystem.out.println("b");',
    env: { code: 'System.getenv().getOrDefault("RUN_ENV", "")', answerSet: `"${ENV_VALUE}"`, answerUnset: '""' },
    cwd: { code: 'System.getProperty("user.dir")', answer: `"${CONTEXT_CWD}"` },
    forever: 'while (true) {}',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) => `for (int n = 1; n <= 3; n++) { System.out.println("${tag}-" + n); Thread.sleep(100); }`,
    extras: [
      {
        name: 'compiles and runs a complete program',
        code: 'public class Main {\n  public static void main(String[] args) {\n    System.out.println("from main");\n  }\n}',
        expect: { stdout: ['from main\n'] },
      },
    ],
  },
  bash: {
    answerIn: 'stdout',
    hello: 'echo "Hello, World!"',
    // bash has no undefined-variable error: unset counter is 0, so counter + 1 answers 1.
    state: { set: 'counter=41', get: 'echo $((counter + 1))', answer: '42\n', unset: { answer: '1\n' } },
    // A failing last command is an error named ExitCode with the status as its value.
    error: { code: 'ls /no/such/dir', name: 'ExitCode', value: '2', stderrContains: 'No such file' },
    twoLines: 'echo a; sleep 1; echo b',
    env: { code: 'echo "$RUN_ENV"', answerSet: `${ENV_VALUE}\n`, answerUnset: '\n' },
    cwd: { code: 'pwd', answer: `${CONTEXT_CWD}\n` },
    forever: 'while true; do sleep 0.1; done',
    add: { code: 'echo $((1 + 1))', answer: '2\n' },
    countToThree: (tag) => `for n in 1 2 3; do echo "${tag}-$n"; sleep 0.1; done`,
  },
};

/** The answer of an execution as the language shows it (see `answerIn`). */
export function answerOf(language: Language, execution: ExecutionLike): string | undefined {
  return INTERPRETER_SCENARIOS[language].answerIn === 'stdout' ? execution.logs.stdout.join('') : execution.text;
}

export interface InterpreterScenarioSetup {
  readonly clients: ReadonlyArray<ScenarioClient>;
  /** The languages this setup's agent serves. */
  readonly languages: ReadonlyArray<Language>;
  /** The languages the 10 concurrent contexts rotate through (what fits the setup's memory). */
  readonly concurrentLanguages: ReadonlyArray<Language>;
}

/** Registers every scenario for each client and language of the setup. */
export function describeInterpreterScenarios(setup: InterpreterScenarioSetup): void {
  // Plain loops rather than describe.each, so the titles name the client and the language. (`vitest list`
  // reads test files statically and does not show tests registered here; a run reports them.)
  for (const client of setup.clients) describe(`through ${client.name}`, () => {
    let sandbox: CodeSandbox;
    beforeAll(async () => {
      sandbox = await client.open();
    });
    afterAll(async () => {
      if (sandbox && client.close) await client.close(sandbox);
    });

    it('lists the default python and javascript contexts from the start', async () => {
      const languages = (await sandbox.listCodeContexts()).map((context) => context.language);
      expect(languages.slice(0, 2)).toEqual(['python', 'javascript']);
    });

    for (const language of setup.languages) describe(language, () => {
      const s = INTERPRETER_SCENARIOS[language];
      const answer = (execution: ExecutionLike) => answerOf(language, execution);
      const expectUnset = (execution: ExecutionLike) => {
        if ('errorName' in s.state.unset) expect(execution.error?.name).toBe(s.state.unset.errorName);
        else expect(answer(execution)).toBe(s.state.unset.answer);
      };

      it('prints hello world', async () => {
        const context = await sandbox.createCodeContext({ language });
        const hello = await sandbox.runCode(s.hello, { context });
        expect(hello.logs.stdout).toEqual(['Hello, World!\n']);
        expect(hello.error).toBeUndefined();
        await sandbox.removeCodeContext(context);
      });

      it('keeps state across calls, isolates a new context and forgets on restart', async () => {
        const first = await sandbox.createCodeContext({ language });
        const second = await sandbox.createCodeContext({ language });
        await sandbox.runCode(s.state.set, { context: first });
        expect(answer(await sandbox.runCode(s.state.get, { context: first }))).toBe(s.state.answer);
        expectUnset(await sandbox.runCode(s.state.get, { context: second }));
        await sandbox.restartCodeContext(first);
        expectUnset(await sandbox.runCode(s.state.get, { context: first }));
        await sandbox.removeCodeContext(first);
        await sandbox.removeCodeContext(second.id);
      });

      it('reports an uncaught error with name, value and traceback, once to onError, then runs the next call', async () => {
        const context = await sandbox.createCodeContext({ language });
        const reported: unknown[] = [];
        const failed = await sandbox.runCode(s.error.code, { context, onError: (error) => void reported.push(error) });
        expect(failed.error).toMatchObject({ name: s.error.name, value: s.error.value, traceback: expect.any(String) });
        if (s.error.tracebackContains !== undefined) expect(failed.error?.traceback).toContain(s.error.tracebackContains);
        if (s.error.stderrContains !== undefined) expect(failed.logs.stderr.join('')).toContain(s.error.stderrContains);
        expect(reported).toHaveLength(1);
        expect(answer(await sandbox.runCode(s.add.code, { context }))).toBe(s.add.answer);
        await sandbox.removeCodeContext(context);
      });

      // A lower bound only: a slow machine can only widen the gap, never close it.
      it('streams two lines printed 1 s apart at least 0.8 s apart', async () => {
        const arrivals: [string, number][] = [];
        await sandbox.runCode(s.twoLines, { language, onStdout: (output) => void arrivals.push([output.line, performance.now()]) });
        expect(arrivals.map(([line]) => line)).toEqual(['a\n', 'b\n']);
        expect(arrivals[1]![1] - arrivals[0]![1]).toBeGreaterThanOrEqual(800);
      });

      it('applies envs to that execution only', async () => {
        expect(answer(await sandbox.runCode(s.env.code, { language, envs: { RUN_ENV: ENV_VALUE } }))).toBe(s.env.answerSet);
        expect(answer(await sandbox.runCode(s.env.code, { language }))).toBe(s.env.answerUnset);
      });

      it('runs a context in its cwd', async () => {
        const context = await sandbox.createCodeContext({ language, cwd: CONTEXT_CWD });
        expect(context).toMatchObject({ language, cwd: CONTEXT_CWD });
        expect(answer(await sandbox.runCode(s.cwd.code, { context }))).toBe(s.cwd.answer);
        await sandbox.removeCodeContext(context);
      });

      it('interrupts at the timeout, keeps the kernel and its state, and answers the next call in it', async () => {
        const context = await sandbox.createCodeContext({ language });
        await sandbox.runCode(s.state.set, { context });
        // What E2B's SDK throws at timeoutMs: its TimeoutError, "Execution timed out — ...". Ours says the
        // same words, adding the limit and that the context kept its state.
        const timedOut = await sandbox.runCode(s.forever, { context, timeoutMs: INTERRUPT_AFTER_MS }).catch((error: unknown) => error);
        expect(timedOut).toBeInstanceOf(client.TimeoutError);
        expect(timedOut).toMatchObject({ name: 'TimeoutError', message: expect.stringMatching(/^Execution timed out/) });
        expect(answer(await sandbox.runCode(s.add.code, { context }))).toBe(s.add.answer);
        expect(answer(await sandbox.runCode(s.state.get, { context }))).toBe(s.state.answer);
        await sandbox.removeCodeContext(context);
      });

      for (const extra of s.extras ?? []) {
        it(extra.name, async () => {
          const execution = await sandbox.runCode(extra.code, { language });
          const e = extra.expect;
          expect(execution.error).toBeUndefined();
          if (e.stdout) expect(execution.logs.stdout).toEqual(e.stdout);
          if (e.pngSize) {
            const png = execution.results.find((result) => result.png)?.png;
            expect(png && pngSize(png)).toEqual(e.pngSize);
          }
          const main = execution.results.find((result) => result.isMainResult);
          if (e.html) expect(main?.html).toMatch(e.html);
          if (e.markdown) expect(main?.markdown).toMatch(e.markdown);
          if (e.latex) expect(main?.latex).toMatch(e.latex);
          if (e.text) expect(execution.text).toMatch(e.text);
        });
      }
    });

    it(`gives each of 10 executions on 10 contexts at once (${setup.concurrentLanguages.join(', ')}) only its own output`, async () => {
      const languageOf = (i: number) => setup.concurrentLanguages[i % setup.concurrentLanguages.length]!;
      const contexts = await Promise.all(Array.from({ length: 10 }, (_, i) => sandbox.createCodeContext({ language: languageOf(i) })));
      const executions = await Promise.all(
        contexts.map((context, i) => sandbox.runCode(INTERPRETER_SCENARIOS[languageOf(i)].countToThree(`ctx${i}`), { context })),
      );
      executions.forEach((execution, i) => expect(execution.logs.stdout.join('')).toBe(`ctx${i}-1\nctx${i}-2\nctx${i}-3\n`));
      await Promise.all(contexts.map((context) => sandbox.removeCodeContext(context)));
    });
  });
}
