import { CommandExitError, SandboxSessions } from '@codebox/core-client';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCommandTool } from './run-command-tool.js';
import { FakeSandbox } from './testing/fake-sandbox.js';
import type { CodeboxToolOutput } from './tool-output.js';

async function collect(iterable: unknown): Promise<CodeboxToolOutput[]> {
  const outputs: CodeboxToolOutput[] = [];
  for await (const output of iterable as AsyncIterable<CodeboxToolOutput>) outputs.push(output);
  return outputs;
}

beforeEach(() => FakeSandbox.reset());

describe('runCommandTool', () => {
  it('gives a non-zero exit to the model as a result, with its exit code', async () => {
    await using pool = new SandboxSessions({ sandboxClass: FakeSandbox.factory, closeOnExit: false });
    FakeSandbox.command = async (opts) => {
      await opts.onStdout?.('some\n');
      throw new CommandExitError({ stdout: 'some\n', stderr: 'bad\n', exitCode: 2 });
    };
    const outputs = await collect(runCommandTool({ sessions: pool }).execute!({ command: 'false' }, { toolCallId: 't', messages: [], context: undefined }));
    expect(outputs.at(-1)).toEqual({ status: 'done', text: 'stdout: some\nstderr: bad\nexit code: 2', images: [], truncated: false, exitCode: 2 });
  });

  it('kills the command when the call is aborted', async () => {
    await using pool = new SandboxSessions({ sandboxClass: FakeSandbox.factory, closeOnExit: false });
    const controller = new AbortController();
    FakeSandbox.command = async (opts, killed) => {
      await opts.onStdout?.('tick\n');
      await killed;
      throw new CommandExitError({ stdout: 'tick\n', stderr: '', exitCode: 137, error: 'signal: killed' });
    };
    const generator = runCommandTool({ sessions: pool }).execute!(
      { command: 'sleep infinity' },
      { toolCallId: 't', messages: [], context: undefined, abortSignal: controller.signal },
    ) as AsyncGenerator<CodeboxToolOutput>;
    expect((await generator.next()).value).toEqual({ status: 'running', stdout: 'tick\n', stderr: '' });
    controller.abort(new Error('stop'));
    await expect(generator.next()).rejects.toThrow('stop');
    expect(FakeSandbox.made[0]!.kills).toEqual(['sleep infinity']);
  });
});
