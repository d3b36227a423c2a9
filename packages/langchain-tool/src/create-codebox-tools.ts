import { CODE_INTERPRETER_TEMPLATE, InvalidArgumentError, SandboxSessions, type Sandbox, type SandboxSessionsOpts } from '@codebox/core-client';
import { createReadFileTool } from './read-file-tool.js';
import { createRunCodeTool, type RunCodeToolOpts } from './run-code-tool.js';
import { createRunCommandTool } from './run-command-tool.js';
import { createWriteFileTool } from './write-file-tool.js';

/** Settings of the tools, apart from where their sandboxes come from. */
export type CodeboxToolsSettings = Omit<RunCodeToolOpts, 'sessions'>;

export type CreateCodeboxToolsOpts = CodeboxToolsSettings &
  (
    | {
        /** Sessions to use; they stay open after `close()`, their owner closes them. */
        sessions: SandboxSessions<Sandbox>;
        sessionOptions?: never;
      }
    | {
        sessions?: never;
        /**
         * Options of the sessions the tools create and own (closed by `close()`): API key and
         * URL in `sandboxOpts`, idle timeout, limits.
         * @default template 'code-interpreter-v1'
         */
        sessionOptions?: SandboxSessionsOpts<Sandbox>;
      }
  );

/** The Codebox tools, sharing one set of sessions. */
export interface CodeboxTools extends AsyncDisposable {
  /** Runs code in the session's stateful kernels. */
  readonly runCode: ReturnType<typeof createRunCodeTool>;
  /** Runs a shell command. */
  readonly runCommand: ReturnType<typeof createRunCommandTool>;
  /** Writes a text file. */
  readonly writeFile: ReturnType<typeof createWriteFileTool>;
  /** Reads a file (text, image or binary). */
  readonly readFile: ReturnType<typeof createReadFileTool>;
  /** All four, for `createAgent({ tools })` (an array of its own: add to it freely). */
  readonly tools: [CodeboxTools['runCode'], CodeboxTools['runCommand'], CodeboxTools['writeFile'], CodeboxTools['readFile']];
  /** The sessions the tools use: one sandbox per session id. */
  readonly sessions: SandboxSessions<Sandbox>;
  /** Kills every session's sandbox when the tools created the sessions; otherwise does nothing. */
  close(): Promise<void>;
}

/**
 * Tools that give a LangChain agent a sandbox per conversation: `run_code`, `run_command`,
 * `write_file` and `read_file`. Each call uses the sandbox of its session (by default the run's
 * `configurable.thread_id`), created on first use and kept while the conversation goes on.
 *
 * ```ts
 * await using codebox = createCodeboxTools();
 * const agent = createAgent({ model, tools: codebox.tools });
 * await agent.invoke({ messages }, { configurable: { thread_id: 'chat-1' } });
 * ```
 */
export function createCodeboxTools(opts: CreateCodeboxToolsOpts = {}): CodeboxTools {
  const { sessions: given, sessionOptions, ...settings } = opts;
  if (given && sessionOptions) {
    throw new InvalidArgumentError('Pass either sessions (to share them) or sessionOptions (to have the tools create their own), not both.');
  }
  const sessions = given ?? new SandboxSessions<Sandbox>({ template: CODE_INTERPRETER_TEMPLATE, ...sessionOptions });
  const toolOpts = { ...settings, sessions };
  const runCode = createRunCodeTool(toolOpts);
  const runCommand = createRunCommandTool(toolOpts);
  const writeFile = createWriteFileTool(toolOpts);
  const readFile = createReadFileTool(toolOpts);
  const close = async (): Promise<void> => {
    if (!given) await sessions.close();
  };
  return {
    runCode,
    runCommand,
    writeFile,
    readFile,
    tools: [runCode, runCommand, writeFile, readFile],
    sessions,
    close,
    [Symbol.asyncDispose]: close,
  };
}
