// The coding agent's functions against a stand-in sandbox: what reaches the sandbox, and what
// goes back to the model — a failing command included, and arguments that are not valid.
import { CommandExitError, type Sandbox } from '@codebox/core-client';
import { expect, it } from 'vitest';
import { callTool, PROJECT_DIR, tools } from './tools.ts';

function standInSandbox(run: (command: string) => { exitCode: number; stdout: string; stderr: string }) {
  const written: [string, string][] = [];
  const commands: { command: string; cwd?: string }[] = [];
  const sandbox = {
    files: { write: async (path: string, content: string) => void written.push([path, content]) },
    commands: {
      run: async (command: string, opts: { cwd?: string; onStderr?: (text: string) => void }) => {
        commands.push({ command, ...(opts.cwd ? { cwd: opts.cwd } : {}) });
        const result = run(command);
        if (result.stderr) opts.onStderr?.(result.stderr);
        if (result.exitCode !== 0) throw new CommandExitError(result);
        return result;
      },
    },
  } as unknown as Sandbox;
  return { sandbox, written, commands };
}

it('offers two strict functions', () => {
  expect(tools.map((t) => [t.function.name, t.function.strict])).toEqual([
    ['write_file', true],
    ['run_command', true],
  ]);
  expect(tools[0]?.function.parameters).toMatchObject({ required: ['path', 'content'], additionalProperties: false });
});

it('writes files under the project directory', async () => {
  const { sandbox, written } = standInSandbox(() => ({ exitCode: 0, stdout: '', stderr: '' }));
  const outcome = await callTool(sandbox, 'write_file', JSON.stringify({ path: 'pkg/mod.py', content: 'x = 1\ny = 2\n' }));
  expect(written).toEqual([[`${PROJECT_DIR}/pkg/mod.py`, 'x = 1\ny = 2\n']]);
  expect(outcome).toEqual({ forModel: 'Wrote pkg/mod.py (3 lines).' });
});

it('gives a failing command back as its output and exit code, streaming its output meanwhile', async () => {
  const { sandbox, commands } = standInSandbox(() => ({ exitCode: 1, stdout: '', stderr: 'FAILED (failures=1)\n' }));
  const streamed: string[] = [];
  const outcome = await callTool(sandbox, 'run_command', JSON.stringify({ command: 'python3 -m unittest' }), {
    onOutput: (text) => void streamed.push(text),
  });
  expect(commands).toEqual([{ command: 'python3 -m unittest', cwd: PROJECT_DIR }]);
  expect(streamed).toEqual(['FAILED (failures=1)\n']);
  expect(outcome.forModel).toBe('stderr: FAILED (failures=1)\nexit code: 1');
  expect(outcome.command?.result.exitCode).toBe(1);
});

it('answers arguments that are not valid, and unknown functions, without touching the sandbox', async () => {
  const { sandbox, written, commands } = standInSandbox(() => ({ exitCode: 0, stdout: '', stderr: '' }));
  expect((await callTool(sandbox, 'write_file', '{"path": "a.py"')).forModel).toBe('The arguments are not valid JSON.');
  expect((await callTool(sandbox, 'write_file', '{"path": "a.py"}')).forModel).toMatch(/^The arguments are not valid:\n.*content/s);
  expect((await callTool(sandbox, 'delete_file', '{}')).forModel).toContain('There is no function "delete_file"');
  expect([written, commands]).toEqual([[], []]);
});
