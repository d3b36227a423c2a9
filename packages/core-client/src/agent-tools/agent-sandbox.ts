import type { RunCodeOpts } from '../code-interpreter/code-interpreter.js';
import type { CommandStartOpts } from '../commands/commands.js';
import type { FilesystemReadOpts, FilesystemWriteOpts } from '../filesystem/filesystem.js';
import type { SessionSandbox } from './sandbox-sessions.js';
import type { CommandResultLike, ExecutionLike } from './shapeable-result.js';

/** What the agent tools need of a running command: `CommandHandle` has it. */
export interface AgentCommandHandle {
  wait(): Promise<CommandResultLike>;
  kill(): Promise<boolean>;
}

/**
 * What the agent tools need of a session's sandbox, the one structural type every framework
 * package uses. `Sandbox` has it (`runCode` needs a template with the code interpreter, e.g.
 * `code-interpreter-v1`); so does the scripted test sandbox.
 */
export interface AgentSandbox extends SessionSandbox {
  runCode(code: string, opts: RunCodeOpts): Promise<ExecutionLike>;
  commands: {
    run(cmd: string, opts: CommandStartOpts & { background: true }): Promise<AgentCommandHandle>;
  };
  files: {
    read(path: string, opts: FilesystemReadOpts & { format: 'bytes' }): Promise<Uint8Array>;
    write(path: string, data: string, opts?: FilesystemWriteOpts): Promise<{ path: string }>;
  };
}
