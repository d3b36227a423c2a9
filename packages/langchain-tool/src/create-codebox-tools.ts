import { CODE_INTERPRETER_TEMPLATE, InvalidArgumentError, SandboxSessions, type Sandbox, type SandboxSessionsOpts } from '@codebox/core-client';
import { createCodeboxTool, type CodeboxToolOpts } from './codebox-tool.js';

/** Settings of the tools, apart from where their sandboxes come from. */
export type CodeboxToolkitSettings = Omit<CodeboxToolOpts<Sandbox>, 'sessions'>;

export type CodeboxToolkitOpts = CodeboxToolkitSettings &
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

/** The Codebox tools, sharing one set of sessions: what {@link createCodeboxTools} returns. */
export interface CodeboxToolkit extends AsyncDisposable {
  /** Runs code in the session's stateful kernels. */
  readonly runCode: ReturnType<typeof createRunCodeTool>;
  /** Runs a shell command. */
  readonly runCommand: ReturnType<typeof createRunCommandTool>;
  /** Reads a file (text, image or binary). */
  readonly readFile: ReturnType<typeof createReadFileTool>;
  /** Writes a text file. */
  readonly writeFile: ReturnType<typeof createWriteFileTool>;
  /** All four, for `createAgent({ tools })` (an array of its own: add to it freely). */
  readonly tools: [CodeboxToolkit['runCode'], CodeboxToolkit['runCommand'], CodeboxToolkit['readFile'], CodeboxToolkit['writeFile']];
  /** The sessions the tools use: one sandbox per session id. */
  readonly sessions: SandboxSessions<Sandbox>;
  /** Kills every session's sandbox when the tools created the sessions; otherwise does nothing. */
  close(): Promise<void>;
}

/** `run_code`: code in the session's stateful kernels (variables, imports and files live on). */
export const createRunCodeTool = (opts: CodeboxToolOpts<Sandbox>) => createCodeboxTool('run_code', opts);
/** `run_command`: a shell command; a non-zero exit is an answer for the model, not a tool error. */
export const createRunCommandTool = (opts: CodeboxToolOpts<Sandbox>) => createCodeboxTool('run_command', opts);
/** `read_file`: text as text, PNG/JPEG as images, other binary files by their size. */
export const createReadFileTool = (opts: CodeboxToolOpts<Sandbox>) => createCodeboxTool('read_file', opts);
/** `write_file`: a text file (parent directories created, an existing file replaced). */
export const createWriteFileTool = (opts: CodeboxToolOpts<Sandbox>) => createCodeboxTool('write_file', opts);

/**
 * Tools that give a LangChain agent a sandbox per conversation: `run_code`, `run_command`,
 * `read_file` and `write_file`. Each call uses the sandbox of its session (by default the run's
 * `configurable.thread_id`), created on first use and kept while the conversation goes on.
 *
 * ```ts
 * await using codebox = createCodeboxTools();
 * const agent = createAgent({ model, tools: codebox.tools });
 * await agent.invoke({ messages }, { configurable: { thread_id: 'chat-1' } });
 * ```
 */
export function createCodeboxTools(opts: CodeboxToolkitOpts = {}): CodeboxToolkit {
  const { sessions: given, sessionOptions, ...settings } = opts;
  if (given && sessionOptions) {
    throw new InvalidArgumentError('Pass either sessions (to share them) or sessionOptions (to have the tools create their own), not both.');
  }
  const sessions = given ?? new SandboxSessions<Sandbox>({ template: CODE_INTERPRETER_TEMPLATE, ...sessionOptions });
  const toolOpts = { ...settings, sessions };
  const runCode = createRunCodeTool(toolOpts);
  const runCommand = createRunCommandTool(toolOpts);
  const readFile = createReadFileTool(toolOpts);
  const writeFile = createWriteFileTool(toolOpts);
  const close = async (): Promise<void> => {
    if (!given) await sessions.close();
  };
  return {
    runCode,
    runCommand,
    readFile,
    writeFile,
    tools: [runCode, runCommand, readFile, writeFile],
    sessions,
    close,
    [Symbol.asyncDispose]: close,
  };
}
