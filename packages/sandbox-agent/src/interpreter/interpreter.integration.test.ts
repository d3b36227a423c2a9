// The code interpreter served by a real agent on loopback, with real bash and Node kernels
// running as uid 1000 (needs root: the tests fail, saying so, otherwise).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentFixture } from '../testing/agent-fixture.js';
import { buildKernels, execute, INTERPRETER_HEADERS, plain, startInterpreterAgent, stdoutOf } from '../testing/interpreter-client.js';

describe('code interpreter (bash, javascript, typescript)', () => {
  let fx: AgentFixture;
  beforeAll(async () => {
    buildKernels();
    fx = await startInterpreterAgent({}, { sandboxEnvs: { SANDBOX_GREETING: 'hello' } });
  }, 120_000);
  afterAll(() => fx?.close());

  it('runs bash with persistent state and reports exit codes', async () => {
    const first = await execute(fx.baseUrl, { code: 'cd /tmp && X=41; f() { echo "f:$1"; }; echo hi; id -u', language: 'bash' });
    expect(plain(first.lines)).toEqual([
      { type: 'stdout', text: 'hi\n' },
      { type: 'stdout', text: '1000\n' },
      { type: 'number_of_executions', execution_count: 1 },
      { type: 'end_of_execution' },
    ]);
    const second = await execute(fx.baseUrl, { code: 'pwd; echo $((X + 1)); f arg; echo $SANDBOX_GREETING', language: 'bash' });
    expect(stdoutOf(second.lines)).toBe('/tmp\n42\nf:arg\nhello\n');
    const failed = await execute(fx.baseUrl, { code: 'echo out; echo err >&2; false', language: 'bash' });
    expect(plain(failed.lines)).toEqual([
      { type: 'stdout', text: 'out\n' },
      { type: 'stderr', text: 'err\n' },
      { type: 'error', name: 'ExitCode', value: '1', traceback: expect.any(String) },
      { type: 'number_of_executions', execution_count: 3 },
      { type: 'end_of_execution' },
    ]);
  });

  it('runs javascript with state, top-level await, imports and require', async () => {
    const first = await execute(fx.baseUrl, {
      code: "const a = 20; let b = await Promise.resolve(1); import { join } from 'node:path'; const os = require('node:os'); function twice(x) { return 2 * x } console.log({ nested: { deep: [1, 2] } }); a + b",
      language: 'js',
    });
    expect(plain(first.lines)).toEqual([
      { type: 'stdout', text: '{ nested: { deep: [ 1, 2 ] } }\n' },
      { type: 'result', text: '21', is_main_result: true },
      { type: 'number_of_executions', execution_count: 1 },
      { type: 'end_of_execution' },
    ]);
    const second = await execute(fx.baseUrl, { code: "twice(a) + b + join('x', 'y').length + (typeof os.cpus)", language: 'javascript' });
    expect(plain(second.lines)).toContainEqual({ type: 'result', text: '44function', is_main_result: true });
    const redeclare = await execute(fx.baseUrl, { code: 'const a = 1; a', language: 'javascript' });
    expect(plain(redeclare.lines)).toContainEqual({ type: 'result', text: '1', is_main_result: true });
  });

  it('reports errors with name, value and traceback, and keeps working', async () => {
    const thrown = await execute(fx.baseUrl, { code: 'null.x', language: 'javascript' });
    const error = plain(thrown.lines).find((line) => (line as { type: string }).type === 'error');
    expect(error).toMatchObject({ name: 'TypeError', value: expect.stringContaining('null'), traceback: expect.stringMatching(/^TypeError.*\n\s+at .*\[cell \d+\]:1:/) });
    expect((error as { traceback: string }).traceback).not.toMatch(/bridge\.mjs|node:internal/);
    const syntax = await execute(fx.baseUrl, { code: 'let = =', language: 'javascript' });
    expect(plain(syntax.lines)).toContainEqual(expect.objectContaining({ type: 'error', name: 'SyntaxError' }));
    const after = await execute(fx.baseUrl, { code: '1 + 1', language: 'javascript' });
    expect(plain(after.lines)).toContainEqual({ type: 'result', text: '2', is_main_result: true });
  });

  it('runs typescript with annotations, interfaces and enums', async () => {
    const result = await execute(fx.baseUrl, {
      code: 'interface P { x: number }\nenum Color { Red, Green }\nconst p: P = { x: 2 };\nconst n: number = p.x * 21;\n`${n}-${Color.Green}`',
      language: 'ts',
    });
    expect(plain(result.lines)).toContainEqual({ type: 'result', text: '42-1', is_main_result: true });
  });

  it('streams each line as it is printed, also from subprocesses', async () => {
    const { lines } = await execute(fx.baseUrl, { code: 'echo a; sleep 1; bash -c "echo b"', language: 'bash' });
    const a = lines.find(({ line }) => line.type === 'stdout' && line.text === 'a\n');
    const b = lines.find(({ line }) => line.type === 'stdout' && line.text === 'b\n');
    expect(b!.at - a!.at).toBeGreaterThan(800);
    const js = await execute(fx.baseUrl, {
      code: "console.log('a'); await new Promise((r) => setTimeout(r, 1000)); require('node:child_process').execSync('echo b', { stdio: 'inherit' });",
      language: 'javascript',
    });
    const ja = js.lines.find(({ line }) => line.type === 'stdout' && line.text === 'a\n');
    const jb = js.lines.find(({ line }) => line.type === 'stdout' && line.text === 'b\n');
    expect(jb!.at - ja!.at).toBeGreaterThan(800);
  });

  it('applies env_vars to one execution only', async () => {
    for (const language of ['bash', 'javascript'] as const) {
      const code = language === 'bash' ? 'echo "${ONLY_NOW:-unset}"' : "console.log(process.env.ONLY_NOW ?? 'unset')";
      expect(stdoutOf((await execute(fx.baseUrl, { code, language, env_vars: { ONLY_NOW: 'set' } })).lines)).toBe('set\n');
      expect(stdoutOf((await execute(fx.baseUrl, { code, language })).lines)).toBe('unset\n');
    }
  });

  it('creates isolated contexts with their own cwd, restarts and removes them', async () => {
    const listed = (await (await fetch(`${fx.baseUrl}/contexts`, { headers: INTERPRETER_HEADERS })).json()) as { language: string }[];
    expect(listed.map((context) => context.language)).toEqual(expect.arrayContaining(['javascript']));
    const created = await fetch(`${fx.baseUrl}/contexts`, { method: 'POST', headers: INTERPRETER_HEADERS, body: JSON.stringify({ language: 'bash', cwd: '/tmp' }) });
    const context = (await created.json()) as { id: string; language: string; cwd: string };
    expect(context).toMatchObject({ language: 'bash', cwd: '/tmp' });
    expect(stdoutOf((await execute(fx.baseUrl, { code: 'pwd; echo "${X:-none}"; Y=1', context_id: context.id })).lines)).toBe('/tmp\nnone\n');
    expect(stdoutOf((await execute(fx.baseUrl, { code: 'echo "${Y:-none}"', context_id: context.id })).lines)).toBe('1\n');
    const restart = await fetch(`${fx.baseUrl}/contexts/${context.id}/restart`, { method: 'POST', headers: INTERPRETER_HEADERS });
    expect(restart.status).toBe(200);
    expect(stdoutOf((await execute(fx.baseUrl, { code: 'echo "${Y:-none}"', context_id: context.id })).lines)).toBe('none\n');
    const removed = await fetch(`${fx.baseUrl}/contexts/${context.id}`, { method: 'DELETE', headers: INTERPRETER_HEADERS });
    expect(removed.status).toBe(200);
    const gone = await execute(fx.baseUrl, { code: 'echo', context_id: context.id });
    expect(gone.status).toBe(404);
  });

  it('answers 400 for context_id with language and 404 for an unknown context', async () => {
    const both = await execute(fx.baseUrl, { code: '1', language: 'javascript', context_id: 'x' });
    expect(both.status).toBe(400);
    expect((await execute(fx.baseUrl, { code: '1', context_id: 'nope' })).status).toBe(404);
    const health = await fetch(`${fx.baseUrl}/health`, { headers: INTERPRETER_HEADERS });
    expect(await health.json()).toBe('OK');
  });

  it('interrupts on disconnect, keeps state, and answers the next call in the same kernel', async () => {
    for (const [language, setup, loop, check] of [
      ['bash', 'KEEP=yes', 'while true; do sleep 0.1; done', 'echo $KEEP'],
      ['javascript', "var keep = 'yes'", 'while (true) {}', 'keep'],
      ['javascript', "var keep2 = 'yes'", 'await new Promise(() => {})', 'keep2'],
    ] as const) {
      await execute(fx.baseUrl, { code: setup, language });
      // The caller's own deadline ends the request (DOMException TimeoutError), not an agent error.
      await expect(execute(fx.baseUrl, { code: loop, language }, AbortSignal.timeout(300))).rejects.toMatchObject({ name: 'TimeoutError' });
      const next = await execute(fx.baseUrl, { code: check, language });
      expect(JSON.stringify(plain(next.lines))).toContain('yes');
    }
  });

  it('restarts a kernel that ignores an interrupt, so the context works again', async () => {
    await execute(fx.baseUrl, { code: 'LOST=no', language: 'bash' });
    await expect(execute(fx.baseUrl, { code: "trap '' INT; while true; do :; done", language: 'bash' }, AbortSignal.timeout(300))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const next = await execute(fx.baseUrl, { code: 'echo "${LOST:-gone}"', language: 'bash' });
    expect(stdoutOf(next.lines)).toBe('gone\n');
  });

  it('reports a kernel that died and restarts it', async () => {
    const died = await execute(fx.baseUrl, { code: 'kill -9 $$', language: 'bash' });
    expect(plain(died.lines)).toContainEqual(expect.objectContaining({ type: 'error', name: 'KernelDiedError' }));
    expect(stdoutOf((await execute(fx.baseUrl, { code: 'echo back', language: 'bash' })).lines)).toBe('back\n');
  });

  it('runs 10 contexts concurrently, each with only its own output', async () => {
    const contexts = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await fetch(`${fx.baseUrl}/contexts`, { method: 'POST', headers: INTERPRETER_HEADERS, body: JSON.stringify({ language: 'bash' }) });
        return ((await response.json()) as { id: string }).id;
      }),
    );
    const outputs = await Promise.all(contexts.map((id, index) => execute(fx.baseUrl, { code: `for i in 1 2 3; do echo ctx-${index}-$i; sleep 0.1; done`, context_id: id })));
    outputs.forEach((output, index) => expect(stdoutOf(output.lines)).toBe(`ctx-${index}-1\nctx-${index}-2\nctx-${index}-3\n`));
  });

  describe('limits', () => {
    let limited: AgentFixture;
    beforeAll(async () => {
      limited = await startInterpreterAgent({ outputLimitBytes: 20_000, keepaliveMs: 200 });
    });
    afterAll(() => limited?.close());

    it('cuts an output flood at the limit, interrupts it and stays usable', async () => {
      const flood = await execute(limited.baseUrl, { code: 'X=kept; while true; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done', language: 'bash' });
      const sent = flood.lines.reduce((total, { line }) => total + JSON.stringify(line).length, 0);
      expect(sent).toBeLessThan(25_000);
      expect(plain(flood.lines).slice(-3)).toEqual([
        expect.objectContaining({ type: 'error', name: 'OutputLimitExceeded' }),
        { type: 'number_of_executions', execution_count: 1 },
        { type: 'end_of_execution' },
      ]);
      expect(stdoutOf((await execute(limited.baseUrl, { code: 'echo $X', language: 'bash' })).lines)).toBe('kept\n');
    });

    it('sends keepalive lines while an execution is quiet', async () => {
      const quiet = await execute(limited.baseUrl, { code: 'await new Promise((r) => setTimeout(r, 700)); 1', language: 'javascript' });
      expect(quiet.lines.filter(({ line }) => line.type === 'keepalive').length).toBeGreaterThanOrEqual(2);
      expect(plain(quiet.lines)).toContainEqual({ type: 'result', text: '1', is_main_result: true });
    });
  });
});
