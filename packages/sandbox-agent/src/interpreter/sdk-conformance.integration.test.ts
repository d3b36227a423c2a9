// The conformance cases for bash, JavaScript and TypeScript, run through the official
// `@e2b/code-interpreter` SDK (debug mode: it talks to http://localhost:49999, where this test
// runs the agent) and through our own client, against a real agent with real kernels.
import { Sandbox as OfficialSandbox } from '@e2b/code-interpreter';
import { Sandbox as CodeboxSandbox } from '@codebox/core-client';
import { CODE_INTERPRETER_PORT } from '@codebox/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentFixture } from '../testing/agent-fixture.js';
import { requirePortFree } from '../../../../test/support/test-prerequisites.js';
import { buildKernels, startInterpreterAgent } from '../testing/interpreter-client.js';

interface ContextLike {
  readonly id: string;
  readonly language: string;
  readonly cwd: string;
}
interface OutputLike {
  readonly line: string;
}
interface ExecutionLike {
  readonly text: string | undefined;
  readonly logs: { stdout: string[]; stderr: string[] };
  readonly error?: { name: string; value: string; traceback: string } | undefined;
  readonly executionCount?: number | undefined;
}
/** The part of both SDKs' `Sandbox` these cases use; both must satisfy it unchanged. */
interface CodeSandbox {
  runCode(
    code: string,
    opts?: { language?: string; context?: ContextLike; envs?: Record<string, string>; timeoutMs?: number; onStdout?: (output: OutputLike) => void },
  ): Promise<ExecutionLike>;
  createCodeContext(opts?: { language?: string; cwd?: string }): Promise<ContextLike>;
  listCodeContexts(): Promise<ContextLike[]>;
  restartCodeContext(context: ContextLike | string): Promise<void>;
  removeCodeContext(context: ContextLike | string): Promise<void>;
}

const LANGUAGES = ['bash', 'javascript', 'typescript'] as const;
type Language = (typeof LANGUAGES)[number];

/** Per language: code for each case. */
const CODE: Record<Language, { hello: string; set: string; get: string; fail: string; twoLines: string; env: string; cwd: string; forever: string; add: string }> = {
  bash: {
    hello: 'echo "Hello, World!"',
    set: 'counter=41',
    get: 'echo $((counter + 1))',
    fail: 'ls /no/such/dir',
    twoLines: 'echo a; sleep 1; echo b',
    env: 'echo "$RUN_ENV"',
    cwd: 'pwd',
    forever: 'while true; do sleep 0.1; done',
    add: 'echo $((1 + 1))',
  },
  javascript: {
    hello: "console.log('Hello, World!')",
    set: 'const counter = 41',
    get: 'counter + 1',
    fail: "throw new RangeError('out of range')",
    twoLines: "console.log('a'); await new Promise((r) => setTimeout(r, 1000)); console.log('b')",
    env: 'process.env.RUN_ENV',
    cwd: 'process.cwd()',
    forever: 'while (true) {}',
    add: '1 + 1',
  },
  typescript: {
    hello: "const greeting: string = 'Hello, World!'; console.log(greeting)",
    set: 'const counter: number = 41',
    get: 'counter + 1',
    fail: "throw new RangeError('out of range')",
    twoLines: "console.log('a'); await new Promise<void>((r) => setTimeout(r, 1000)); console.log('b')",
    env: 'process.env.RUN_ENV as string',
    cwd: 'process.cwd()',
    forever: 'while (true) {}',
    add: '1 + 1',
  },
};

/** The main result for languages with one; bash answers on stdout. */
function answer(language: Language, execution: ExecutionLike): string | undefined {
  if (language === 'bash') return execution.logs.stdout.join('').trim();
  return execution.text?.replace(/^'(.*)'$/, '$1');
}

describe('code interpreter conformance (official SDK and our client)', () => {
  let fx: AgentFixture;
  beforeAll(async () => {
    await requirePortFree(CODE_INTERPRETER_PORT, 'the official code-interpreter SDK in debug mode');
    buildKernels();
    fx = await startInterpreterAgent({}, { listen: { host: '127.0.0.1', port: CODE_INTERPRETER_PORT } });
  }, 120_000);
  afterAll(() => fx?.close());

  const clients: [string, () => Promise<CodeSandbox>][] = [
    ['@e2b/code-interpreter', async () => (await OfficialSandbox.create({ debug: true })) as CodeSandbox],
    ['@codebox/core-client', async () => (await CodeboxSandbox.create({ debug: true, sandboxUrl: `http://127.0.0.1:${CODE_INTERPRETER_PORT}` })) as CodeSandbox],
  ];

  describe.each(clients)('%s', (_client, connect) => {
    let sandbox: CodeSandbox;
    beforeAll(async () => {
      sandbox = await connect();
    });

    it('lists the default python and javascript contexts from the start', async () => {
      const languages = (await sandbox.listCodeContexts()).map((context) => context.language);
      expect(languages.slice(0, 2)).toEqual(['python', 'javascript']);
    });

    describe.each(LANGUAGES)('%s', (language) => {
      const code = CODE[language];

      it('prints hello world and keeps state across calls', async () => {
        const context = await sandbox.createCodeContext({ language });
        const hello = await sandbox.runCode(code.hello, { context });
        expect(hello.logs.stdout).toEqual(['Hello, World!\n']);
        expect(hello.error).toBeUndefined();
        await sandbox.runCode(code.set, { context });
        expect(answer(language, await sandbox.runCode(code.get, { context }))).toBe('42');
        await sandbox.removeCodeContext(context);
      });

      it('isolates contexts and clears state on restart', async () => {
        const first = await sandbox.createCodeContext({ language });
        const second = await sandbox.createCodeContext({ language });
        await sandbox.runCode(code.set, { context: first });
        expect(answer(language, await sandbox.runCode(code.get, { context: first }))).toBe('42');
        const other = await sandbox.runCode(code.get, { context: second });
        expect(language === 'bash' ? answer(language, other) : other.error?.name).toBe(language === 'bash' ? '1' : 'ReferenceError');
        await sandbox.restartCodeContext(first);
        const restarted = await sandbox.runCode(code.get, { context: first });
        expect(language === 'bash' ? answer(language, restarted) : restarted.error?.name).toBe(language === 'bash' ? '1' : 'ReferenceError');
        await sandbox.removeCodeContext(first);
        await sandbox.removeCodeContext(second.id);
      });

      it('reports an error with name, value and traceback, then runs the next call', async () => {
        const context = await sandbox.createCodeContext({ language });
        const failed = await sandbox.runCode(code.fail, { context });
        if (language === 'bash') {
          expect(failed.error).toMatchObject({ name: 'ExitCode', value: '2' });
          expect(failed.logs.stderr.join('')).toContain('No such file');
        } else {
          expect(failed.error).toMatchObject({ name: 'RangeError', value: 'out of range', traceback: expect.stringContaining('RangeError: out of range') });
        }
        expect(answer(language, await sandbox.runCode(code.add, { context }))).toBe('2');
        await sandbox.removeCodeContext(context);
      });

      it('streams two lines printed 1 s apart at least 0.8 s apart', async () => {
        const arrivals: [string, number][] = [];
        await sandbox.runCode(code.twoLines, { language, onStdout: (output) => void arrivals.push([output.line, performance.now()]) });
        expect(arrivals.map(([line]) => line)).toEqual(['a\n', 'b\n']);
        expect(arrivals[1]![1] - arrivals[0]![1]).toBeGreaterThanOrEqual(800);
      });

      it('applies envs to that execution only', async () => {
        expect(answer(language, await sandbox.runCode(code.env, { language, envs: { RUN_ENV: 'only-now' } }))).toBe('only-now');
        const after = await sandbox.runCode(code.env, { language });
        expect(language === 'bash' ? answer(language, after) : after.text).toBe(language === 'bash' ? '' : undefined);
      });

      it('runs a context in its cwd', async () => {
        const context = await sandbox.createCodeContext({ language, cwd: '/tmp' });
        expect(context).toMatchObject({ language, cwd: '/tmp' });
        expect(answer(language, await sandbox.runCode(code.cwd, { context }))).toBe('/tmp');
        await sandbox.removeCodeContext(context);
      });

      it('interrupts on timeout, keeps state and answers the next call in the same kernel', async () => {
        const context = await sandbox.createCodeContext({ language });
        await sandbox.runCode(code.set, { context });
        await expect(sandbox.runCode(code.forever, { context, timeoutMs: 500 })).rejects.toMatchObject({ name: 'TimeoutError' });
        expect(answer(language, await sandbox.runCode(code.add, { context }))).toBe('2');
        expect(answer(language, await sandbox.runCode(code.get, { context }))).toBe('42');
        await sandbox.removeCodeContext(context);
      });
    });

    it('runs 10 executions on 10 contexts at once, each getting only its own output', async () => {
      const contexts = await Promise.all(Array.from({ length: 10 }, (_, i) => sandbox.createCodeContext({ language: i % 2 ? 'bash' : 'javascript' })));
      const executions = await Promise.all(
        contexts.map((context, i) =>
          sandbox.runCode(i % 2 ? `for n in 1 2 3; do echo "ctx${i}-$n"; sleep 0.1; done` : `for (const n of [1, 2, 3]) { console.log('ctx${i}-' + n); await new Promise((r) => setTimeout(r, 100)); }`, { context }),
        ),
      );
      executions.forEach((execution, i) => expect(execution.logs.stdout).toEqual([`ctx${i}-1\n`, `ctx${i}-2\n`, `ctx${i}-3\n`]));
      await Promise.all(contexts.map((context) => sandbox.removeCodeContext(context)));
    });
  });
});
