// The public surface of @codebox/core-client: the names `e2b` exports for `Sandbox`, so E2B
// code ports by changing the import.
export { Sandbox, type SandboxOpts, type SandboxConnectOpts } from './sandbox/sandbox.js';
export { Sandbox as default } from './sandbox/sandbox.js';
export type { SandboxInfo, SandboxState } from './sandbox/sandbox-info.js';
export type { SandboxApiOpts } from './sandbox/sandbox-api.js';
export { SandboxPaginator, type SandboxListOpts } from './sandbox/sandbox-paginator.js';
export { ConnectionConfig, type ConnectionOpts } from './connection-config.js';

export type { Commands, CommandStartOpts, CommandConnectOpts, CommandRequestOpts } from './commands/commands.js';
export type { CommandHandle } from './commands/command-handle.js';
export type { CommandResult } from './commands/command-result.js';
export type { ProcessInfo } from './commands/process-info.js';

export type {
  Filesystem,
  FilesystemRequestOpts,
  FilesystemReadOpts,
  FilesystemWriteOpts,
  FilesystemListOpts,
  WatchOpts,
} from './filesystem/filesystem.js';
export { FileType, type EntryInfo, type WriteInfo } from './filesystem/entry-info.js';
export type { WriteEntry, WriteData } from './filesystem/upload-body.js';
export { FilesystemEventType, type FilesystemEvent, type WatchHandle } from './filesystem/watch-handle.js';

export {
  SandboxError,
  TimeoutError,
  InvalidArgumentError,
  NotEnoughSpaceError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  TemplateError,
  RateLimitError,
  AuthenticationError,
  CommandExitError,
} from './errors.js';
