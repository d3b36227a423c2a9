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
  readonly chart?: object;
  readonly data?: Record<string, unknown>;
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
  /** The main result's text exactly (E2B's form: a string without its quotes). */
  readonly textIs?: string;
  /** Some result has a PNG. */
  readonly png?: true;
  /** The first result with a chart: its chart matches this (`toMatchObject`). */
  readonly chart?: object;
  /** The main result's `data` (a DataFrame's columns) equals this. */
  readonly data?: Record<string, unknown>;
  /** How many results the execution has. */
  readonly resultCount?: number;
}

export interface ExtraScenario {
  readonly name: string;
  readonly code: string;
  /** Per-execution envs to run it with. */
  readonly envs?: Readonly<Record<string, string>>;
  readonly expect: ExtraExpectation;
}

export interface LanguageScenarios {
  /**
   * Where the answer of an expression shows: the main result's `text`, or for bash, which has no
   * results, stdout. Every `answer` below is that string, exactly.
   */
  readonly answerIn: 'text' | 'stdout';
  /** Prints `Hello, World!` and a newline. */
  readonly hello: string;
  /**
   * How a printed line reaches `logs.stdout`: one entry with its newline, or (Java, as E2B's IJava
   * kernel sends println) the text and then the newline as two entries.
   */
  readonly printedLine: 'one chunk' | 'text, then newline';
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
  readonly extras?: ReadonlyArray<ExtraScenario>;
}

export const ENV_VALUE = 'only-now';
export const CONTEXT_CWD = '/tmp';
/** Short enough to keep the file quick; interrupting works the same however long it ran. */
export const INTERRUPT_AFTER_MS = 1_000;

/**
 * Matplotlib figures and the chart E2B's code interpreter sends for each (`Result.chart`): the code
 * and the asserted fields are those of E2B's own chart tests (code-interpreter js/tests/charts,
 * python/tests/charts), so a client written against E2B reads the same values here.
 */
const anyNumbers = expect.arrayContaining([expect.any(Number)]);
const anyStrings = expect.arrayContaining([expect.any(String)]);
const PYTHON_CHART_SCENARIOS: readonly ExtraScenario[] = [
  {
    name: 'returns a line chart with dates, labels, units, scales and ticks',
    code: [
      'import datetime',
      'import numpy as np',
      'import matplotlib.pyplot as plt',
      'dates = [datetime.date(2023, 9, 1) + datetime.timedelta(days=i) for i in range(100)]',
      'x = np.linspace(0, 2 * np.pi, 100)',
      'plt.figure(figsize=(10, 6))',
      "plt.plot(dates, np.sin(x), label='sin(x)')",
      "plt.plot(dates, np.cos(x), label='cos(x)')",
      'plt.xlabel("Time (s)")',
      'plt.ylabel("Amplitude (Hz)")',
      "plt.title('Plot of sin(x) and cos(x)')",
      'plt.show()',
    ].join('\n'),
    expect: {
      png: true,
      chart: {
        type: 'line',
        title: 'Plot of sin(x) and cos(x)',
        x_label: 'Time (s)',
        y_label: 'Amplitude (Hz)',
        x_unit: 's',
        y_unit: 'Hz',
        x_scale: 'datetime',
        y_scale: 'linear',
        x_ticks: expect.arrayContaining([expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/)]),
        x_tick_labels: anyStrings,
        y_ticks: anyNumbers,
        y_tick_labels: anyStrings,
        elements: [
          { label: 'sin(x)', points: expect.arrayContaining([['2023-09-01', 0]]) },
          { label: 'cos(x)', points: expect.arrayContaining([['2023-09-01', 1]]) },
        ],
      },
    },
  },
  {
    name: 'returns a line chart on a log scale and one on a categorical scale',
    code: [
      'import numpy as np',
      'import matplotlib.pyplot as plt',
      'x = np.linspace(0, 100, 100)',
      'plt.figure()',
      "plt.plot(x, np.exp(x), label='y = e^x')",
      "plt.yscale('log')",
      "plt.ylabel('Y-axis (log scale)')",
      'plt.show()',
    ].join('\n'),
    expect: { chart: { type: 'line', x_scale: 'linear', y_scale: 'log', x_unit: null, y_unit: 'log scale', elements: [{ label: 'y = e^x' }] } },
  },
  {
    name: 'returns a line chart on a categorical axis',
    code: "import matplotlib.pyplot as plt\nplt.figure()\nplt.plot([1, 2, 3], ['A', 'B', 'C'])\nplt.show()",
    expect: {
      chart: { type: 'line', title: null, x_scale: 'linear', y_scale: 'categorical', elements: [{ label: 'Line 0', points: [[1, 'A'], [2, 'B'], [3, 'C']] }] },
    },
  },
  {
    name: 'returns a scatter chart with one element per dataset',
    code: [
      'import matplotlib.pyplot as plt',
      'plt.figure()',
      'plt.xlabel("A")',
      'plt.ylabel("B")',
      "plt.scatter([0.1, 0.2, 0.3, 0.4, 0.5], [1, 2, 3, 4, 5], c='blue', label='Dataset 1')",
      "plt.scatter([0.5, 0.25], [0.5, 0.75], c='red', label='Dataset 2')",
      'plt.show()',
    ].join('\n'),
    expect: {
      chart: {
        type: 'scatter',
        title: null,
        x_label: 'A',
        y_label: 'B',
        x_scale: 'linear',
        y_scale: 'linear',
        x_ticks: anyNumbers,
        y_ticks: anyNumbers,
        elements: [
          { label: 'Dataset 1', points: [[0.1, 1], [0.2, 2], [0.3, 3], [0.4, 4], [0.5, 5]] },
          { label: 'Dataset 2', points: [[0.5, 0.5], [0.25, 0.75]] },
        ],
      },
    },
  },
  {
    name: 'returns a bar chart with each bar\'s category, group and value',
    code: [
      'import matplotlib.pyplot as plt',
      "authors = ['Author A', 'Author B', 'Author C', 'Author D']",
      'plt.figure(figsize=(10, 6))',
      "plt.bar(authors, [100, 200, 300, 400], label='Books Sold', color='blue')",
      "plt.xlabel('Authors')",
      "plt.ylabel('Number of Books Sold')",
      "plt.title('Book Sales by Authors')",
      'plt.tight_layout()',
      'plt.show()',
    ].join('\n'),
    expect: {
      chart: {
        type: 'bar',
        title: 'Book Sales by Authors',
        x_label: 'Authors',
        y_label: 'Number of Books Sold',
        x_unit: null,
        y_unit: null,
        elements: ['Author A', 'Author B', 'Author C', 'Author D'].map((label, i) => ({ label, group: 'Books Sold', value: (i + 1) * 100 })),
      },
    },
  },
  {
    name: 'returns a horizontal bar chart with the category axis as x',
    code: "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.barh(['a', 'b'], [3, 5])\nax.set_ylabel('Fruit')\nax.set_xlabel('Count [kg]')\nplt.show()",
    expect: {
      chart: {
        type: 'bar',
        x_label: 'Fruit',
        y_label: 'Count [kg]',
        y_unit: 'kg',
        elements: [
          { label: 'a', group: 'Group 0', value: 3 },
          { label: 'b', group: 'Group 0', value: 5 },
        ],
      },
    },
  },
  {
    name: 'returns a pie chart with each wedge\'s angle and radius',
    code: [
      'import matplotlib.pyplot as plt',
      'fig, ax = plt.subplots(figsize=(8, 8))',
      "ax.pie([90, 10], labels=['No', 'No, in blue'], autopct='%1.1f%%', startangle=90)",
      "ax.axis('equal')",
      "plt.title('Will I wake up early tomorrow?')",
      'plt.show()',
    ].join('\n'),
    expect: {
      chart: {
        type: 'pie',
        title: 'Will I wake up early tomorrow?',
        elements: [
          { label: 'No', angle: 324, radius: 1 },
          { label: 'No, in blue', angle: 36, radius: 1 },
        ],
      },
    },
  },
  {
    name: 'returns a box-and-whisker chart with quartiles, whiskers and outliers',
    code: [
      'import matplotlib.pyplot as plt',
      "data = {'Class A': [85, 90, 78, 92, 88], 'Class B': [95, 89, 76, 91, 84, 87], 'Class C': [75, 82, 88, 79, 86]}",
      'fig, ax = plt.subplots(figsize=(10, 6))',
      "ax.set_title('Exam Scores Distribution')",
      "ax.set_xlabel('Class')",
      "ax.set_ylabel('Score')",
      'ax.boxplot(data.values(), tick_labels=data.keys(), patch_artist=True)',
      'plt.show()',
    ].join('\n'),
    expect: {
      chart: {
        type: 'box_and_whisker',
        title: 'Exam Scores Distribution',
        x_label: 'Class',
        y_label: 'Score',
        x_unit: null,
        y_unit: null,
        elements: [
          { label: 'Class A', min: 78, first_quartile: 85, median: 88, third_quartile: 90, max: 92, outliers: [] },
          { label: 'Class B', min: 84, first_quartile: 84.75, median: 88, third_quartile: 90.5, max: 95, outliers: [76] },
          { label: 'Class C', min: 75, first_quartile: 79, median: 82, third_quartile: 86, max: 88, outliers: [] },
        ],
      },
    },
  },
  {
    name: 'returns a superchart with one chart per axes',
    code: [
      'import numpy as np',
      'import matplotlib.pyplot as plt',
      'fig, axs = plt.subplots(1, 2, figsize=(10, 8))',
      "fig.suptitle('Multiple Charts Example', fontsize=16)",
      "axs[0].plot(np.linspace(0, 10, 100), np.sin(np.linspace(0, 10, 100)), 'r')",
      "axs[0].set_title('Sine Wave')",
      'axs[0].grid(True)',
      "axs[1].scatter(np.random.rand(5), np.random.rand(5), c='blue', label='Dataset 1')",
      "axs[1].set_xlabel('X')",
      "axs[1].set_ylabel('Y')",
      "axs[1].set_title('Scatter Plot')",
      'plt.show()',
    ].join('\n'),
    expect: {
      chart: {
        type: 'superchart',
        title: 'Multiple Charts Example',
        elements: [
          { type: 'line', title: 'Sine Wave', x_label: null, y_label: null, elements: [{ points: expect.any(Array) }] },
          { type: 'scatter', title: 'Scatter Plot', x_label: 'X', y_label: 'Y', elements: [{ label: 'Dataset 1' }] },
        ],
      },
    },
  },
  {
    name: 'returns an unknown chart with its title for artists that are no chart',
    code: [
      'import matplotlib.pyplot as plt',
      'fig, ax = plt.subplots()',
      "ax.add_artist(plt.Circle((0, 0), 1, color='blue', fill=False))",
      "plt.title('Two Concentric Circles')",
      'plt.show()',
    ].join('\n'),
    expect: { chart: { type: 'unknown', title: 'Two Concentric Circles', elements: [] } },
  },
];

/**
 * Per language, the code and the exact answers. The answers differ per language, never per setup:
 * the same agent and kernels answer in all three. String answers are as E2B's code interpreter
 * sends them: the kernel's display form without one surrounding pair of quotes, so Python's,
 * JavaScript's and Java's string values read as the string itself (x), and R's print form stays
 * [1] "x" (it does not start with a quote).
 */
export const INTERPRETER_SCENARIOS: Readonly<Record<Language, LanguageScenarios>> = {
  python: {
    answerIn: 'text',
    hello: 'print("Hello, World!")',
    printedLine: 'one chunk',
    state: { set: 'counter = 41', get: 'counter + 1', answer: '42', unset: { errorName: 'NameError' } },
    // IPython colours the traceback, so only the value is searched in it.
    error: { code: 'raise ValueError("bad value")', name: 'ValueError', value: 'bad value', tracebackContains: 'bad value' },
    twoLines: 'import time\nprint("a")\ntime.sleep(1)\nprint("b")',
    env: { code: 'import os\nos.environ.get("RUN_ENV", "")', answerSet: ENV_VALUE, answerUnset: '' },
    cwd: { code: 'import os\nos.getcwd()', answer: CONTEXT_CWD },
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
        name: 'returns a DataFrame as HTML, text and data (its columns)',
        code: 'import pandas as pd\npd.DataFrame({"a": [1, 2], "b": ["x", "y"], "t": pd.to_datetime(["2024-01-02", None])})',
        expect: { html: /<table[^>]*class="dataframe"/, text: /a\s+b/, data: { a: [1, 2], b: ['x', 'y'], t: ['2024-01-02T00:00:00', null] } },
      },
      {
        name: 'returns a string without its quotes, as E2B does',
        code: '"it\'s"',
        expect: { textIs: "it's" },
      },
      ...PYTHON_CHART_SCENARIOS,
      {
        name: 'shows a PIL image on Image.show() as a PNG result',
        code: 'import numpy\nfrom PIL import Image\nimage = Image.fromarray((numpy.random.rand(16, 16, 3) * 255).astype("uint8")).convert("RGBA")\nimage.show()\nprint("done")',
        expect: { png: true, pngSize: { width: 16, height: 16 }, stdout: ['done\n'] },
      },
      {
        name: 'shows a PIL image saved to a file as a PNG result, and saves it',
        code: 'from PIL import Image\nImage.new("RGB", (8, 4), "red").save("/tmp/saved.png")\nimport os\nprint(os.path.getsize("/tmp/saved.png") > 0)',
        expect: { png: true, pngSize: { width: 8, height: 4 }, stdout: ['True\n'] },
      },
      {
        name: 'shows a saved matplotlib figure once (savefig writes through PIL but is no PIL display)',
        code: 'import matplotlib.pyplot as plt\nplt.figure(figsize=(2, 1), dpi=50)\nplt.plot([1, 2])\nplt.savefig("/tmp/figure.png")\nplt.show()',
        expect: { pngSize: { width: 100, height: 50 }, resultCount: 1 },
      },
    ],
  },
  javascript: {
    answerIn: 'text',
    hello: "console.log('Hello, World!')",
    printedLine: 'one chunk',
    state: { set: 'const counter = 41', get: 'counter + 1', answer: '42', unset: { errorName: 'ReferenceError' } },
    error: { code: "throw new RangeError('bad value')", name: 'RangeError', value: 'bad value', tracebackContains: 'RangeError: bad value' },
    twoLines: "console.log('a'); await new Promise((r) => setTimeout(r, 1000)); console.log('b')",
    env: { code: "process.env.RUN_ENV ?? ''", answerSet: ENV_VALUE, answerUnset: '' },
    cwd: { code: 'process.cwd()', answer: CONTEXT_CWD },
    forever: 'while (true) {}',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) => `for (const n of [1, 2, 3]) { console.log('${tag}-' + n); await new Promise((r) => setTimeout(r, 100)); }`,
  },
  typescript: {
    answerIn: 'text',
    hello: "const greeting: string = 'Hello, World!'; console.log(greeting)",
    printedLine: 'one chunk',
    state: { set: 'const counter: number = 41', get: 'counter + 1', answer: '42', unset: { errorName: 'ReferenceError' } },
    error: { code: "throw new RangeError('bad value')", name: 'RangeError', value: 'bad value', tracebackContains: 'RangeError: bad value' },
    twoLines: "console.log('a'); await new Promise<void>((r) => setTimeout(r, 1000)); console.log('b')",
    env: { code: "(process.env.RUN_ENV ?? '') as string", answerSet: ENV_VALUE, answerUnset: '' },
    cwd: { code: 'process.cwd()', answer: CONTEXT_CWD },
    forever: 'while (true) {}',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) =>
      `for (const n of [1, 2, 3] as number[]) { console.log('${tag}-' + n); await new Promise<void>((r) => setTimeout(r, 100)); }`,
  },
  r: {
    answerIn: 'text',
    hello: 'cat("Hello, World!\\n")',
    printedLine: 'one chunk',
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
    printedLine: 'text, then newline',
    state: { set: 'int counter = 41;', get: 'counter + 1', answer: '42', unset: { errorName: 'CompilationException' } },
    error: {
      code: 'throw new IllegalStateException("bad value");',
      name: 'java.lang.IllegalStateException',
      value: 'bad value',
      tracebackContains: 'bad value',
    },
    twoLines: 'System.out.println("a");\nThread.sleep(1000);\nSystem.out.println("b");',
    env: { code: 'System.getenv().getOrDefault("RUN_ENV", "")', answerSet: ENV_VALUE, answerUnset: '' },
    cwd: { code: 'System.getProperty("user.dir")', answer: CONTEXT_CWD },
    forever: 'while (true) {}',
    add: { code: '1 + 1', answer: '2' },
    countToThree: (tag) => `for (int n = 1; n <= 3; n++) { System.out.println("${tag}-" + n); Thread.sleep(100); }`,
    extras: [
      {
        name: 'compiles and runs a complete program',
        code: 'public class Main {\n  public static void main(String[] args) {\n    System.out.println("from main");\n  }\n}',
        expect: { stdout: ['from main', '\n'] },
      },
      // E2B's server sets env vars as system properties in Java; code written for it reads them so.
      {
        name: 'sees an execution\'s envs through System.getProperty',
        code: 'System.getProperty("RUN_ENV", "unset")',
        envs: { RUN_ENV: ENV_VALUE },
        expect: { textIs: ENV_VALUE },
      },
      {
        name: 'forgets an execution\'s envs as properties afterwards',
        code: 'System.getProperty("RUN_ENV", "unset")',
        expect: { textIs: 'unset' },
      },
    ],
  },
  bash: {
    answerIn: 'stdout',
    hello: 'echo "Hello, World!"',
    printedLine: 'one chunk',
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

/** `logs.stdout` of printing one line of `text`, as the language's kernel chunks it (see `printedLine`). */
function printed(s: LanguageScenarios, text: string): string[] {
  return s.printedLine === 'one chunk' ? [`${text}\n`] : [text, '\n'];
}

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
        expect(hello.logs.stdout).toEqual(printed(s, 'Hello, World!'));
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
        expect(arrivals.map(([line]) => line)).toEqual([...printed(s, 'a'), ...printed(s, 'b')]);
        const at = (text: string) => arrivals.find(([line]) => line.startsWith(text))![1];
        expect(at('b') - at('a')).toBeGreaterThanOrEqual(800);
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
          const execution = await sandbox.runCode(extra.code, { language, ...(extra.envs ? { envs: { ...extra.envs } } : {}) });
          const e = extra.expect;
          expect(execution.error).toBeUndefined();
          if (e.stdout) expect(execution.logs.stdout).toEqual(e.stdout);
          if (e.pngSize) {
            const png = execution.results.find((result) => result.png)?.png;
            expect(png && pngSize(png)).toEqual(e.pngSize);
          }
          if (e.png) expect(execution.results.some((result) => result.png)).toBe(true);
          if (e.resultCount !== undefined) expect(execution.results).toHaveLength(e.resultCount);
          if (e.chart) expect(execution.results.find((result) => result.chart)?.chart).toMatchObject(e.chart);
          const main = execution.results.find((result) => result.isMainResult);
          if (e.textIs !== undefined) expect(main?.text).toBe(e.textIs);
          if (e.data) expect(main?.data).toEqual(e.data);
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
