// One table of behaviours, run through the three framework packages (LangChain, AI SDK,
// OpenAI functions) and the MCP server against the one scripted sandbox: the packages are
// adapters of core-client's agent tools, and this shows they behave the same. Each adapter is
// driven the way its framework calls a tool (LangChain: `tool.invoke` with a tool call, which
// validates the arguments; AI SDK: the tool's input schema, then its `execute`; OpenAI: the
// dispatcher, from the model's JSON arguments; MCP: the official client's `callTool` over an
// in-memory transport). The real-runner side is in the packages' integration tests.
import { MissingSessionIdError, SandboxSessions, type CodeboxToolName } from '@codebox/core-client';
import { createCodeboxTool } from '@codebox/langchain-tool';
import { createCodeboxMcpServer } from '@codebox/mcp-server';
import { executeFunctionCalls } from '@codebox/openai-functions';
import { codeboxTool, type CodeboxToolOutput } from '@codebox/vercel-ai-tool';
import { ToolMessage } from '@langchain/core/messages';
import { ToolInputParsingException } from '@langchain/core/tools';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it, vi } from 'vitest';
import type { z } from 'zod';
import { scriptedSessions, type SandboxScript, type ScriptedSandbox } from '../../packages/core-client/src/agent-tools/testing/scripted-sandbox.js';
import { pngBase64 } from '../../packages/core-client/src/agent-tools/testing/test-images.js';
import { TimeoutError } from '../../packages/core-client/src/errors.js';

/** What a tool call came to, the same shape whatever the framework. */
type Outcome = { text: string; images: number } | { refused: true };

interface CallOpts {
  sessions: SandboxSessions<ScriptedSandbox>;
  /** Given the framework's way (thread id, call context, dispatch option); absent: none at all. */
  sessionId?: string;
  timeoutMs?: number;
  maxOutputChars?: number;
  signal?: AbortSignal;
}

type Adapter = (name: CodeboxToolName, args: Record<string, unknown>, opts: CallOpts) => Promise<Outcome>;

const settings = (opts: CallOpts) => ({
  sessions: opts.sessions,
  ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
  ...(opts.maxOutputChars === undefined ? {} : { maxOutputChars: opts.maxOutputChars }),
});

const adapters: Record<string, Adapter> = {
  langchain: async (name, args, opts) => {
    const tool = createCodeboxTool(name, settings(opts));
    let message: ToolMessage;
    try {
      message = await tool.invoke(
        { type: 'tool_call', id: 'call-1', name, args },
        { ...(opts.sessionId ? { configurable: { thread_id: opts.sessionId } } : {}), ...(opts.signal ? { signal: opts.signal } : {}) },
      );
    } catch (err) {
      if (err instanceof ToolInputParsingException) return { refused: true };
      throw err;
    }
    const content = message.content;
    if (typeof content === 'string') return { text: content, images: 0 };
    const blocks = content as { type: string; text?: string }[];
    return { text: blocks.find((b) => b.type === 'text')?.text ?? '', images: blocks.filter((b) => b.type === 'image').length };
  },

  'ai-sdk': async (name, args, opts) => {
    const tool = codeboxTool(name, { ...settings(opts), progressIntervalMs: 0 });
    // What the AI SDK does before `execute`: validate the model's input with the tool's schema.
    const parsed = (tool.inputSchema as unknown as z.ZodType).safeParse(args);
    if (!parsed.success) return { refused: true };
    const outputs: CodeboxToolOutput[] = [];
    const call = { toolCallId: 'call-1', messages: [], context: opts.sessionId ? { sessionId: opts.sessionId } : undefined, ...(opts.signal ? { abortSignal: opts.signal } : {}) };
    for await (const output of tool.execute!(parsed.data as never, call) as AsyncIterable<CodeboxToolOutput>) outputs.push(output);
    const last = outputs.at(-1);
    if (last?.status !== 'done') throw new Error('the AI SDK tool ended without a final result');
    return { text: last.text, images: last.images.length };
  },

  openai: async (name, args, opts) => {
    // Strict mode sends every argument; an optional one the model leaves out is null.
    const strictArgs = name === 'run_command' ? { cwd: null, ...args } : args;
    const [outcome] = await executeFunctionCalls([{ id: 'call-1', name, arguments: JSON.stringify(strictArgs) }], {
      ...settings(opts),
      sessionId: opts.sessionId ?? '',
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    if (!outcome) throw new Error('no outcome');
    if (outcome.status === 'rejected') return { refused: true };
    return { text: outcome.output.text, images: outcome.output.images.length };
  },

  mcp: async (name, args, opts) => {
    // An MCP session is the caller's session: the server is made for it.
    const server = createCodeboxMcpServer({ ...settings(opts), progressIntervalMs: 0, ...(opts.sessionId ? { sessionId: opts.sessionId } : {}) });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'tool-behaviour', version: '0' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const result = await client.callTool({ name, arguments: args }, undefined, opts.signal ? { signal: opts.signal } : {});
      const content = result.content as { type: string; text?: string }[];
      const text = content.find((c) => c.type === 'text')?.text ?? '';
      if (result.isError) {
        if (text.includes('Input validation error')) return { refused: true };
        throw new Error(text);
      }
      return { text, images: content.filter((c) => c.type === 'image').length };
    } finally {
      await client.close();
    }
  },
};

const PNG = pngBase64(3, 2);
const CUT_MARKER = /\n\[… \d+ characters \(\d+ lines\) cut …\]\n/g;
const longLines = Array.from({ length: 2000 }, (_, i) => `line ${i}\n`);

interface Case {
  name: string;
  script: SandboxScript;
  tool: CodeboxToolName;
  args: Record<string, unknown>;
  opts?: Partial<Omit<CallOpts, 'sessions'>>;
  /** What the model gets. */
  expect: (outcome: Outcome, sandboxes: ScriptedSandbox[]) => void;
}

const cases: Case[] = [
  {
    name: 'run_code: printed output and the last value come back in sections',
    script: { code: () => ({ stdout: ['one\n'], results: [{ text: '42', isMainResult: true }] }) },
    tool: 'run_code',
    args: { code: 'print("one"); 42', language: 'python' },
    expect: (o) => expect(o).toEqual({ text: 'stdout: one\nresult: 42', images: 0 }),
  },
  {
    name: "run_code: the code's exception is output for the model, not a tool failure",
    script: { code: () => ({ error: { name: 'ZeroDivisionError', value: 'division by zero', traceback: 'Traceback ...' } }) },
    tool: 'run_code',
    args: { code: '1/0', language: 'python' },
    expect: (o) => expect(o).toEqual({ text: 'error:\nZeroDivisionError: division by zero\nTraceback ...', images: 0 }),
  },
  {
    name: 'run_code: a timeout keeps the output so far and says TimeoutError',
    script: { code: () => ({ stdout: ['partial\n'], throws: new TimeoutError('Execution timed out after 100 ms') }) },
    tool: 'run_code',
    args: { code: 'while True: pass', language: 'python' },
    opts: { timeoutMs: 100 },
    expect: (o, [sandbox]) => {
      expect(o).toEqual({ text: 'stdout: partial\nerror: TimeoutError: Execution timed out after 100 ms', images: 0 });
      expect(sandbox?.codeCalls[0]?.opts.timeoutMs).toBe(100);
    },
  },
  {
    name: 'run_code: a chart comes back described in the text and as an image',
    script: { code: () => ({ results: [{ png: PNG, text: '<Figure size 640x480 with 1 Axes>', isMainResult: false }] }) },
    tool: 'run_code',
    args: { code: 'plt.show()', language: 'python' },
    expect: (o) => expect(o).toEqual({ text: expect.stringMatching(/^output: \[image\/png 3×2, \d+ B\]$/), images: 1 }),
  },
  {
    name: 'run_code: language aliases models write run as their language',
    script: {},
    tool: 'run_code',
    args: { code: 'ls', language: 'sh' },
    expect: (o, [sandbox]) => {
      expect(o).toEqual({ text: '(no output)', images: 0 });
      expect(sandbox?.codeCalls[0]?.opts.language).toBe('bash');
    },
  },
  {
    name: 'run_code: a language no kernel runs is refused without running anything',
    script: {},
    tool: 'run_code',
    args: { code: 'DISPLAY "HI"', language: 'cobol' },
    expect: (o, sandboxes) => {
      expect(o).toEqual({ refused: true });
      expect(sandboxes).toEqual([]);
    },
  },
  {
    name: 'run_code: long output is cut in the middle, within the budget, with one marker',
    script: { code: () => ({ stdout: longLines }) },
    tool: 'run_code',
    args: { code: 'spam()', language: 'python' },
    opts: { maxOutputChars: 600 },
    expect: (o) => {
      if (!('text' in o)) throw new Error('refused');
      expect(o.text.length).toBeLessThanOrEqual(600);
      expect(o.text.match(CUT_MARKER)).toHaveLength(1);
      expect(o.text).toMatch(/^stdout:\nline 0\n[\s\S]*line 1999$/);
    },
  },
  {
    name: 'run_command: a non-zero exit is output and exit code for the model',
    script: { command: () => ({ stdout: ['some\n'], stderr: ['bad\n'], exitCode: 2 }) },
    tool: 'run_command',
    args: { command: 'false' },
    expect: (o) => expect(o).toEqual({ text: 'stdout: some\nstderr: bad\nexit code: 2', images: 0 }),
  },
  {
    name: 'run_command: a timeout kills the command and keeps the output so far',
    script: { command: () => ({ stdout: ['started\n'], throws: new TimeoutError('Command timed out after 100 ms') }) },
    tool: 'run_command',
    args: { command: 'sleep 99' },
    opts: { timeoutMs: 100 },
    expect: (o, [sandbox]) => {
      expect(o).toEqual({ text: 'stdout: started\nerror: TimeoutError: Command timed out after 100 ms', images: 0 });
      expect(sandbox?.kills).toEqual(['sleep 99']);
    },
  },
  {
    name: 'run_command: runs in the given working directory',
    script: { command: () => ({ stdout: ['/tmp\n'] }) },
    tool: 'run_command',
    args: { command: 'pwd', cwd: '/tmp' },
    expect: (o, [sandbox]) => {
      expect(o).toEqual({ text: 'stdout: /tmp', images: 0 });
      expect(sandbox?.commandCalls[0]?.opts.cwd).toBe('/tmp');
    },
  },
  {
    name: 'read_file: text comes back as it is',
    script: { files: { '/home/user/notes.txt': 'naïve → ok\n' } },
    tool: 'read_file',
    args: { path: 'notes.txt' },
    expect: (o) => expect(o).toEqual({ text: 'naïve → ok\n', images: 0 }),
  },
  {
    name: 'read_file: an empty file is said to be empty',
    script: { files: { '/home/user/empty.txt': '' } },
    tool: 'read_file',
    args: { path: 'empty.txt' },
    expect: (o) => expect(o).toEqual({ text: 'empty.txt is empty (0 bytes).', images: 0 }),
  },
  {
    name: 'read_file: a PNG, whatever its name, comes back as an image',
    script: { files: { '/home/user/plot.dat': Buffer.from(PNG, 'base64') } },
    tool: 'read_file',
    args: { path: 'plot.dat' },
    expect: (o) => expect(o).toEqual({ text: expect.stringMatching(/^plot\.dat: \[image\/png 3×2, \d+ B\]$/), images: 1 }),
  },
  {
    name: 'read_file: four PNG bytes are not a PNG (the whole 8-byte signature counts)',
    script: { files: { '/home/user/fake.png': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x41, 0x42]) } },
    tool: 'read_file',
    args: { path: 'fake.png' },
    expect: (o) => expect(o).toEqual({ text: expect.stringMatching(/^fake\.png: binary file, 6 B; not shown\./), images: 0 }),
  },
  {
    name: 'read_file: bytes that are not UTF-8 are binary, not mangled text',
    script: { files: { '/home/user/latin1.txt': Uint8Array.from([0x63, 0x61, 0x66, 0xe9]) } },
    tool: 'read_file',
    args: { path: 'latin1.txt' },
    expect: (o) => expect(o).toEqual({ text: expect.stringMatching(/^latin1\.txt: binary file, 4 B; not shown\./), images: 0 }),
  },
  {
    name: 'read_file: a NUL-carrying file is binary, described by its size',
    script: { files: { '/home/user/a.out': Buffer.from('ELF\0\0\x01') } },
    tool: 'read_file',
    args: { path: 'a.out' },
    expect: (o) =>
      expect(o).toEqual({ text: 'a.out: binary file, 6 B; not shown. Inspect it with run_command (e.g. `file`, `xxd | head`) or run_code.', images: 0 }),
  },
  {
    name: 'read_file: a missing file is an answer the model can correct',
    script: {},
    tool: 'read_file',
    args: { path: 'missing.txt' },
    expect: (o) => expect(o).toEqual({ text: 'No file at missing.txt: File /home/user/missing.txt not found', images: 0 }),
  },
  {
    name: 'read_file: a long text file is cut in the middle with the same marker',
    script: { files: { '/home/user/log.txt': longLines.join('') } },
    tool: 'read_file',
    args: { path: 'log.txt' },
    opts: { maxOutputChars: 600 },
    expect: (o) => {
      if (!('text' in o)) throw new Error('refused');
      expect(o.text.length).toBeLessThanOrEqual(600);
      expect(o.text.match(CUT_MARKER)).toHaveLength(1);
    },
  },
  {
    name: 'write_file: writes the file and says where, with its size',
    script: {},
    tool: 'write_file',
    args: { path: 'pkg/mod.py', content: 'x = 1\n' },
    expect: (o, [sandbox]) => {
      expect(o).toEqual({ text: 'Wrote 6 B to /home/user/pkg/mod.py.', images: 0 });
      expect(sandbox?.stored.get('/home/user/pkg/mod.py')?.toString()).toBe('x = 1\n');
    },
  },
];

describe.each(Object.entries(adapters))('the Codebox tools through %s', (_framework, call) => {
  it.each(cases)('$name', async (c) => {
    const { sessions, sandboxes } = scriptedSessions(c.script, SandboxSessions);
    await using _ = sessions;
    const outcome = await call(c.tool, c.args, { sessions, sessionId: 'session-1', ...c.opts });
    c.expect(outcome, sandboxes);
    if (sandboxes.length > 0) expect(sessions.sessionIds()).toEqual(['session-1']);
  });

  it("aborting the call kills the running command and rejects with the abort's reason", async () => {
    const { sessions, sandboxes } = scriptedSessions({ command: () => ({ stdout: ['tick\n'], hang: true }) }, SandboxSessions);
    await using _ = sessions;
    const controller = new AbortController();
    const pending = call('run_command', { command: 'sleep infinity' }, { sessions, sessionId: 's', signal: controller.signal });
    await vi.waitFor(() => expect(sandboxes[0]?.commandCalls).toHaveLength(1));
    controller.abort(new Error('user pressed stop'));
    await expect(pending).rejects.toThrow('user pressed stop');
    // Over MCP the cancellation reaches the server as a notification, after the client gave up.
    await vi.waitFor(() => expect(sandboxes[0]?.kills).toEqual(['sleep infinity']));
  });

  it("aborting the call interrupts running code and rejects with the abort's reason", async () => {
    const { sessions, sandboxes } = scriptedSessions({ code: () => ({ stdout: ['working\n'], hang: true }) }, SandboxSessions);
    await using _ = sessions;
    const controller = new AbortController();
    const pending = call('run_code', { code: 'loop()', language: 'python' }, { sessions, sessionId: 's', signal: controller.signal });
    await vi.waitFor(() => expect(sandboxes[0]?.codeCalls).toHaveLength(1));
    controller.abort(new Error('user pressed stop'));
    await expect(pending).rejects.toThrow('user pressed stop');
    await vi.waitFor(() => expect(sandboxes[0]?.codeCalls[0]?.opts.signal?.aborted).toBe(true));
  });
});

// An MCP session always has an id (the transport's, or the server's own over stdio), so this is
// the frameworks' rule only; the MCP server's answer to a call without one is in its own tests.
describe.each(Object.entries(adapters).filter(([framework]) => framework !== 'mcp'))('the Codebox tools through %s, without a session id', (_framework, call) => {
  it('refuses the call (MissingSessionIdError) before making a sandbox: no shared default', async () => {
    const { sessions, sandboxes } = scriptedSessions({}, SandboxSessions);
    await using _ = sessions;
    await expect(call('run_code', { code: '1', language: 'python' }, { sessions })).rejects.toBeInstanceOf(MissingSessionIdError);
    expect(sandboxes).toEqual([]);
  });
});
