import { join } from 'node:path';
import { Execution, type CommandResult } from '@codebox/core-client';
import { AIMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { createAgent, fakeModel } from 'langchain';
import { describe, expect, it } from 'vitest';
import { stopChildWithSigterm, useChildScript } from '../../../test/support/sigterm-child.js';
import { useRunner } from '../../../test/support/use-runner.js';
import { createCodeboxTools, type CodeboxToolkitOpts } from './create-codebox-tools.js';
import { CODEBOX_OUTPUT_EVENT, type CodeboxOutputEvent } from './output-events.js';

const runner = useRunner();

/** Tools on sessions of their own, in the test runner's tenant. */
function codeboxTools(settings: Omit<CodeboxToolkitOpts, 'sessions' | 'sessionOptions'> = {}) {
  return createCodeboxTools({
    ...settings,
    sessionOptions: { sandboxOpts: { apiUrl: runner().url, apiKey: runner().keys[0] }, closeOnExit: false },
  });
}

const lastContent = (messages: BaseMessage[]): unknown => messages.at(-1)?.content;
const toolMessages = (messages: BaseMessage[]): ToolMessage[] => messages.filter((m) => ToolMessage.isInstance(m));

describe('Codebox tools in a LangChain agent against a real runner', () => {
  it('runs the code a model asks for in the thread sandbox, keeps state between calls, and gives the result back', async () => {
    const before = runner().containerIds().length;
    const codebox = codeboxTools();
    try {
      const model = fakeModel()
        .respondWithTools([{ name: 'run_code', args: { code: 'x = 6 * 7\nprint(x)', language: 'python' }, id: 'c1' }])
        .respondWithTools([{ name: 'run_code', args: { code: 'x + 1' }, id: 'c2' }])
        .respond((messages: BaseMessage[]) => new AIMessage(`x + 1 is ${String(lastContent(messages)).replace('result: ', '')}`));
      const agent = createAgent({ model, tools: codebox.tools });
      const result = await agent.invoke({ messages: [{ role: 'user', content: 'What is 6*7, plus one?' }] }, { configurable: { thread_id: 'thread-1' } });

      expect(model.calls[1]?.messages.at(-1)?.content).toBe('stdout: 42');
      expect(result.messages.at(-1)?.content).toBe('x + 1 is 43');
      const [first, second] = toolMessages(result.messages);
      expect(first?.artifact).toBeInstanceOf(Execution);
      expect((second?.artifact as Execution).text).toBe('43');
      expect(runner().containerIds()).toHaveLength(before + 1);
    } finally {
      await codebox.close();
    }
    expect(runner().containerIds()).toHaveLength(before);
  });

  it('streams stdout to streamEvents and stream("custom") consumers while the code is still running', async () => {
    await using codebox = codeboxTools();
    const code = "console.log('first'); await new Promise((r) => setTimeout(r, 1500)); console.log('second')";
    const script = () =>
      fakeModel()
        .respondWithTools([{ name: 'run_code', args: { code, language: 'javascript' }, id: 'js' }])
        .respond(new AIMessage('printed twice'));
    const input = { messages: [{ role: 'user', content: 'print twice' }] };

    const events: { at: number; what: string }[] = [];
    for await (const event of createAgent({ model: script(), tools: codebox.tools }).streamEvents(input, {
      version: 'v2',
      configurable: { thread_id: 'thread-2' },
    })) {
      if (event.event === 'on_custom_event' && event.name === CODEBOX_OUTPUT_EVENT) {
        const data = event.data as CodeboxOutputEvent;
        events.push({ at: Date.now(), what: `${data.stream}:${data.text}` });
      }
      if (event.event === 'on_tool_start' || event.event === 'on_tool_end') events.push({ at: Date.now(), what: event.event });
    }
    expect(events.map((e) => e.what)).toEqual(['on_tool_start', 'stdout:first\n', 'stdout:second\n', 'on_tool_end']);
    // The first line came as it was printed, not with the result.
    expect((events[3]?.at ?? 0) - (events[1]?.at ?? 0)).toBeGreaterThan(1000);

    const chunks: { at: number; what: string }[] = [];
    for await (const [mode, chunk] of await createAgent({ model: script(), tools: codebox.tools }).stream(input, {
      streamMode: ['custom', 'tools'],
      configurable: { thread_id: 'thread-2' },
    })) {
      chunks.push({ at: Date.now(), what: mode === 'custom' ? (chunk as CodeboxOutputEvent).text : (chunk as { event: string }).event });
    }
    expect(chunks.map((c) => c.what)).toEqual(['on_tool_start', 'first\n', 'second\n', 'on_tool_end']);
    expect((chunks[3]?.at ?? 0) - (chunks[1]?.at ?? 0)).toBeGreaterThan(1000);
  });

  it('hands a matplotlib chart to the model as an image, from run_code and from read_file', async () => {
    await using codebox = codeboxTools();
    const code = 'import matplotlib.pyplot as plt\nplt.plot([1, 2, 3], [1, 4, 9])\nplt.savefig("chart.png")\nplt.show()';
    const model = fakeModel()
      .respondWithTools([{ name: 'run_code', args: { code }, id: 'plot' }])
      .respondWithTools([{ name: 'read_file', args: { path: 'chart.png' }, id: 'read' }])
      .respond(new AIMessage('Here is the chart.'));
    await createAgent({ model, tools: codebox.tools }).invoke({ messages: [{ role: 'user', content: 'plot squares' }] }, { configurable: { thread_id: 'thread-3' } });

    const fromCode = model.calls[1]?.messages.at(-1)?.content;
    expect(fromCode).toEqual([
      { type: 'text', text: expect.stringMatching(/^output: \[image\/png 640×480, \d+ KB\]$/) },
      { type: 'image', mimeType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) },
    ]);
    const fromFile = model.calls[2]?.messages.at(-1)?.content;
    expect(fromFile).toEqual([
      { type: 'text', text: expect.stringMatching(/^chart\.png: \[image\/png \d+×\d+, \d+ KB\]$/) },
      { type: 'image', mimeType: 'image/png', data: expect.stringMatching(/^iVBORw0KGgo/) },
    ]);
  });

  it('writes files, runs commands (a failing exit is an answer) and reads files back', async () => {
    await using codebox = codeboxTools();
    const model = fakeModel()
      .respondWithTools([{ name: 'write_file', args: { path: 'data/nums.txt', content: '3\n10\n7\n' }, id: 'w' }])
      .respondWithTools([{ name: 'run_command', args: { command: 'sort -n nums.txt | tail -1 && echo oops >&2 && exit 3', cwd: '/home/user/data' }, id: 'r' }])
      .respondWithTools([{ name: 'read_file', args: { path: '/home/user/data/nums.txt' }, id: 'f' }])
      .respond(new AIMessage('The largest is 10.'));
    const result = await createAgent({ model, tools: codebox.tools }).invoke({ messages: [{ role: 'user', content: 'largest?' }] }, { configurable: { thread_id: 'thread-4' } });

    expect(model.calls[1]?.messages.at(-1)?.content).toBe('Wrote 7 B to /home/user/data/nums.txt.');
    expect(model.calls[2]?.messages.at(-1)?.content).toBe('stdout: 10\nstderr: oops\nexit code: 3');
    expect(model.calls[3]?.messages.at(-1)?.content).toBe('3\n10\n7\n');
    const [, command, read] = toolMessages(result.messages);
    expect(command?.status).toBe('success');
    expect(command?.artifact as CommandResult).toMatchObject({ exitCode: 3, stdout: '10\n', stderr: 'oops\n' });
    expect(Buffer.from(read?.artifact as Uint8Array).toString()).toBe('3\n10\n7\n');
  });

  it('interrupts the code and kills the command when the run is aborted, keeping the kernel state', async () => {
    await using codebox = codeboxTools();
    const config = (signal?: AbortSignal) => ({ configurable: { thread_id: 'thread-5' }, ...(signal ? { signal } : {}) });
    await codebox.runCode.invoke({ code: 'y = 5' }, config());

    const codeAbort = new AbortController();
    const sleeping = codebox.runCode.invoke({ code: 'import time\nfor _ in range(120):\n    time.sleep(0.5)' }, config(codeAbort.signal));
    setTimeout(() => codeAbort.abort(), 1000);
    await expect(sleeping).rejects.toThrow(/abort/i);
    // A kernel still sleeping would hold this one back for a minute.
    const started = Date.now();
    const after = await codebox.runCode.invoke({ type: 'tool_call', id: 'y', name: 'run_code', args: { code: 'y' } }, config());
    expect(after.content).toBe('result: 5');
    expect(Date.now() - started).toBeLessThan(5000);

    const commandAbort = new AbortController();
    const waiting = codebox.runCommand.invoke({ command: 'sleep 60' }, config(commandAbort.signal));
    setTimeout(() => commandAbort.abort(), 1000);
    await expect(waiting).rejects.toThrow(/abort/i);
    // The abort rejects at once; the kill follows within moments (not the minute of the sleep).
    const sandbox = await codebox.sessions.get('thread-5');
    const deadline = Date.now() + 5000;
    let sleepers = '';
    do {
      sleepers = (await sandbox.commands.run('pgrep -x sleep || true')).stdout;
    } while (sleepers !== '' && Date.now() < deadline);
    expect(sleepers).toBe('');
  });

  it('tells the model when code runs past the time limit, with the output so far', async () => {
    await using codebox = codeboxTools({ timeoutMs: 1500 });
    const model = fakeModel()
      .respondWithTools([{ name: 'run_code', args: { code: 'import time\nprint("started", flush=True)\ntime.sleep(30)' }, id: 'slow' }])
      .respond(new AIMessage('too slow'));
    const result = await createAgent({ model, tools: codebox.tools }).invoke({ messages: [{ role: 'user', content: 'sleep' }] }, { configurable: { thread_id: 'thread-6' } });
    const [message] = toolMessages(result.messages);
    expect(message?.status).toBe('success');
    expect(String(message?.content)).toMatch(/^stdout: started\nerror: TimeoutError: Execution timed out after 1500 ms/);
  });

  it('leaves no container behind when the agent throws mid-run', async () => {
    const before = runner().containerIds().length;
    let during = 0;
    const run = async (): Promise<void> => {
      await using codebox = codeboxTools();
      const model = fakeModel()
        .respondWithTools([{ name: 'run_command', args: { command: 'echo started' }, id: 'c' }])
        .respond(() => {
          during = runner().containerIds().length;
          return new Error('the model provider is down');
        });
      await createAgent({ model, tools: codebox.tools }).invoke({ messages: [{ role: 'user', content: 'go' }] }, { configurable: { thread_id: 'thread-7' } });
    };
    await expect(run()).rejects.toThrow('the model provider is down');
    expect(during).toBe(before + 1);
    expect(runner().containerIds()).toHaveLength(before);
  });

  describe('in an agent process stopped with SIGTERM while a tool runs', () => {
    const script = useChildScript(join(import.meta.dirname, 'testing/agent-child.ts'));

    it('kills the sandbox, then dies of the signal', async () => {
      const before = runner().containerIds().length;
      const { code, signal, tookMs } = await stopChildWithSigterm({
        script: script(),
        env: { CODEBOX_API_URL: runner().url, CODEBOX_API_KEY: runner().keys[0] },
        readyText: 'running',
        beforeSignal: (printed) => {
          expect(printed).toContain('running');
          expect(runner().containerIds()).toHaveLength(before + 1);
        },
      });
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' });
      // The kill waited for the sandbox to go: nothing left, long before the code's minute is up.
      expect(runner().containerIds()).toHaveLength(before);
      console.log(`agent process closed its session and died of SIGTERM in ${tookMs} ms`);
    });
  });
});
