import { describe, expect, it } from 'vitest';
import { TimeoutError } from '../errors.js';
import { commandsExecutor, defaultExecutor } from './code-executor.js';
import { ScriptedSandbox } from './testing/scripted-sandbox.js';

describe('commandsExecutor', () => {
  it("writes the code to a file in /tmp and runs it with the language's program, removing the file after", async () => {
    const sandbox = new ScriptedSandbox('s', { command: () => ({ stdout: ['x'] }) });
    const execute = commandsExecutor(sandbox, { timeoutMs: 5000 });
    expect(await execute('print(1)', 'python')).toEqual({ stdout: 'x', stderr: '', exitCode: 0 });
    const [path] = [...sandbox.stored.keys()];
    expect(sandbox.stored.get(path ?? '')?.toString()).toBe('print(1)');
    expect(path).toMatch(/^\/tmp\/codebox-run-[0-9a-f-]+\.py$/);
    expect(sandbox.commandCalls[0]?.command).toBe(`python3 ${path}; status=$?; rm -f ${path}; exit $status`);
    expect(sandbox.commandCalls[0]?.opts).toMatchObject({ background: true, timeoutMs: 5000 });
  });

  it('returns a non-zero exit and a timeout as results, and lets other errors through', async () => {
    const exits = new ScriptedSandbox('s', { command: () => ({ stderr: ['bad\n'], exitCode: 2 }) });
    await expect(commandsExecutor(exits)('exit 2', 'bash')).resolves.toEqual({ stdout: '', stderr: 'bad\n', exitCode: 2 });
    const slow = new ScriptedSandbox('s', { command: () => ({ stdout: ['started\n'], throws: new TimeoutError('Command timed out') }) });
    await expect(commandsExecutor(slow)('sleep 99', 'bash')).resolves.toMatchObject({
      logs: { stdout: ['started\n'] },
      error: { name: 'TimeoutError', value: 'Command timed out' },
    });
    expect(slow.kills).toHaveLength(1);
    const broken = new ScriptedSandbox('s', { command: () => ({ throws: new Error('connection reset') }) });
    await expect(commandsExecutor(broken)('ls', 'bash')).rejects.toThrow('connection reset');
  });
});

describe('defaultExecutor', () => {
  it('prefers runCode and falls back to commands', async () => {
    const sandbox = new ScriptedSandbox('s');
    await defaultExecutor(sandbox)('1', 'r');
    expect(sandbox.codeCalls.map((c) => [c.code, c.opts.language])).toEqual([['1', 'r']]);
    expect(sandbox.commandCalls).toEqual([]);
    await defaultExecutor({ commands: sandbox.commands, files: sandbox.files })('echo', 'bash');
    expect(sandbox.commandCalls).toHaveLength(1);
  });
});
