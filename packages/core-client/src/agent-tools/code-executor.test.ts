import { describe, expect, it, vi } from 'vitest';
import { CommandExitError } from '../errors.js';
import { commandsExecutor, defaultExecutor } from './code-executor.js';

function fakeCommandsSandbox(run: (cmd: string) => Promise<{ stdout: string; stderr: string; exitCode: number }>) {
  const written = new Map<string, string>();
  return {
    written,
    sandbox: {
      files: { write: vi.fn(async (path: string, data: string) => void written.set(path, data)) },
      commands: { run: vi.fn(run) },
    },
  };
}

describe('commandsExecutor', () => {
  it('writes the code to a file in /tmp and runs it with the language\'s program, removing the file after', async () => {
    const { sandbox, written } = fakeCommandsSandbox(async () => ({ stdout: 'x', stderr: '', exitCode: 0 }));
    const execute = commandsExecutor(sandbox, { timeoutMs: 5000 });
    await execute('print(1)', 'python');
    const [path, code] = [...written.entries()][0] ?? [];
    expect(code).toBe('print(1)');
    expect(path).toMatch(/^\/tmp\/codebox-run-[0-9a-f-]+\.py$/);
    expect(sandbox.commands.run).toHaveBeenCalledWith(`python3 ${path}; status=$?; rm -f ${path}; exit $status`, { timeoutMs: 5000 });
  });

  it('returns a non-zero exit as a result, and lets other errors through', async () => {
    const failed = new CommandExitError({ stdout: '', stderr: 'bad\n', exitCode: 2 });
    const { sandbox } = fakeCommandsSandbox(async () => Promise.reject(failed));
    await expect(commandsExecutor(sandbox)('exit 2', 'bash')).resolves.toBe(failed);
    const { sandbox: broken } = fakeCommandsSandbox(async () => Promise.reject(new Error('connection reset')));
    await expect(commandsExecutor(broken)('ls', 'bash')).rejects.toThrow('connection reset');
  });
});

describe('defaultExecutor', () => {
  it('prefers runCode and falls back to commands', async () => {
    const runCode = vi.fn(async () => ({ logs: { stdout: [], stderr: [] } }));
    const { sandbox } = fakeCommandsSandbox(async () => ({ stdout: '', stderr: '', exitCode: 0 }));
    await defaultExecutor({ ...sandbox, runCode })('1', 'r');
    expect(runCode).toHaveBeenCalledWith('1', { language: 'r' });
    expect(sandbox.commands.run).not.toHaveBeenCalled();
    await defaultExecutor(sandbox)('echo', 'bash');
    expect(sandbox.commands.run).toHaveBeenCalledOnce();
  });
});
