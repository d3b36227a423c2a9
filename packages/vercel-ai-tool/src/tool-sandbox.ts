import type {
  CommandResultLike,
  CommandStartOpts,
  ExecutionLike,
  FilesystemReadOpts,
  FilesystemWriteOpts,
  RunCodeOpts,
  SessionSandbox,
} from '@codebox/core-client';

/** What the tools need of a running command: `CommandHandle` has it. */
export interface ToolCommandHandle {
  wait(): Promise<CommandResultLike>;
  kill(): Promise<boolean>;
}

/**
 * What the tools need of a session's sandbox. `Sandbox` from `@codebox/core-client` has it
 * (`run_code` uses the code interpreter of the template, e.g. `code-interpreter-v1`).
 */
export interface ToolSandbox extends SessionSandbox {
  runCode(code: string, opts: RunCodeOpts): Promise<ExecutionLike>;
  commands: {
    run(cmd: string, opts: CommandStartOpts & { background: true }): Promise<ToolCommandHandle>;
  };
  files: {
    read(path: string, opts: FilesystemReadOpts & { format: 'bytes' }): Promise<Uint8Array>;
    write(path: string, data: string, opts?: FilesystemWriteOpts): Promise<{ path: string }>;
  };
}
