import { shapeOutput, type ExecutionLike, type OutputMessage, type ShapedOutput } from '@codebox/core-client';
import { z } from 'zod/v4';
import { runCodeFunction, type RunCodeArgs, type RunCodeFunction, type RunCodeFunctionOpts } from './run-code-function.js';

/** A function call of either API, normalised: Chat's `tool_calls[i]` or a Responses `function_call` item. */
export interface FunctionCall {
  /** `tool_call_id` (Chat) or `call_id` (Responses): what the answer is matched by. */
  id: string;
  name: string;
  /** The arguments as the model wrote them (a JSON string). */
  arguments: string;
}

/** What the dispatcher needs of a sandbox: `runCode` with streaming callbacks (`Sandbox` has it). */
export interface CodeSandbox {
  runCode(
    code: string,
    opts: {
      language: string;
      timeoutMs?: number;
      onStdout?: (output: OutputMessage) => unknown;
      onStderr?: (output: OutputMessage) => unknown;
      signal?: AbortSignal;
    },
  ): Promise<ExecutionLike>;
}

/** Where calls run: a `SandboxSessions` (one sandbox per session id). */
export interface CodeSessions {
  withSession<T>(sessionId: string, fn: (sandbox: CodeSandbox) => Promise<T>): Promise<T>;
}

/** What happened to one call. */
export interface FunctionCallOutcome {
  call: FunctionCall;
  /** `ran`: the code ran (it may still have failed, see `execution.error`); `rejected`: not run (unknown function, bad arguments). */
  status: 'ran' | 'rejected';
  /** The validated arguments, when they were valid. */
  args?: RunCodeArgs;
  /** The full execution, when the code ran. */
  execution?: ExecutionLike;
  /** What goes back to the model: compact text (images described) and the images. */
  output: ShapedOutput;
}

export interface DispatchOpts extends RunCodeFunctionOpts {
  sessions: CodeSessions;
  /**
   * The session (conversation, thread, user) whose sandbox runs the code.
   * @default 'default'
   */
  sessionId?: string;
  /** Time limit of one execution; past it the model is told it timed out. @default the sandbox's (60 s) */
  timeoutMs?: number;
  /** Budget of one call's output text, in characters. @default 4000 */
  maxOutputChars?: number;
  /**
   * Also pass images the code displayed to the model, where the API allows it (Chat: a
   * follow-up `user` message with `image_url` parts; Responses: `input_image` parts of the
   * output). Their descriptions are in the text either way.
   * @default false
   */
  images?: boolean;
  /**
   * Aborting interrupts the running execution (its context keeps its state), skips the calls
   * not yet started, and rejects with the signal's reason; `runToolLoop` also cancels the model
   * request under way.
   */
  signal?: AbortSignal;
  /** Each stdout chunk of a running call, as it is produced. */
  onStdout?: (text: string, call: FunctionCall) => unknown;
  /** Each stderr chunk of a running call, as it is produced. */
  onStderr?: (text: string, call: FunctionCall) => unknown;
  /** A call is about to run (or be rejected). */
  onToolCall?: (call: FunctionCall) => unknown;
  /** A call has finished; its outcome carries the full execution. */
  onToolResult?: (outcome: FunctionCallOutcome) => unknown;
}

export const DEFAULT_SESSION_ID = 'default';

/**
 * Runs the calls one after the other, in the order the model made them. Parallel calls of one
 * turn share the session's sandbox, whose kernels keep state: running them at once would make
 * their effects race (and one kernel runs one cell at a time anyway), while order keeps a
 * second call that uses the first one's variables working.
 *
 * The model's mistakes (an unknown function, arguments that are not valid) and an execution
 * timeout come back as outcomes the model reads and can correct; failures of the sandbox
 * itself (runner unreachable, sandbox gone, session limit) reject.
 */
export async function executeFunctionCalls(calls: readonly FunctionCall[], opts: DispatchOpts): Promise<FunctionCallOutcome[]> {
  const fn = runCodeFunction(opts);
  const outcomes: FunctionCallOutcome[] = [];
  for (const call of calls) {
    opts.signal?.throwIfAborted();
    await opts.onToolCall?.(call);
    const outcome = await executeOne(call, fn, opts);
    await opts.onToolResult?.(outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function executeOne(call: FunctionCall, fn: RunCodeFunction, opts: DispatchOpts): Promise<FunctionCallOutcome> {
  if (call.name !== fn.name) {
    return rejected(call, `Unknown function "${call.name}". The only function here is ${fn.name}.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(call.arguments);
  } catch {
    return rejected(call, `The arguments are not valid JSON. Call ${fn.name} again with {"code": "...", "language": "${fn.languages[0]}"}.`);
  }
  const parsed = fn.args.safeParse(raw);
  if (!parsed.success) {
    return rejected(call, `The arguments are not valid:\n${z.prettifyError(parsed.error)}\nCall ${fn.name} again with corrected arguments.`);
  }
  const args = parsed.data;
  const execution = await opts.sessions.withSession(opts.sessionId ?? DEFAULT_SESSION_ID, (sandbox) =>
    runForModel(sandbox, args, call, opts),
  );
  const output = shapeOutput(execution, opts.maxOutputChars === undefined ? {} : { maxChars: opts.maxOutputChars });
  return { call, status: 'ran', args, execution, output };
}

async function runForModel(sandbox: CodeSandbox, args: RunCodeArgs, call: FunctionCall, opts: DispatchOpts): Promise<ExecutionLike> {
  // What was printed before a timeout is kept here: runCode's own Execution is lost when it throws.
  const printed = { stdout: [] as string[], stderr: [] as string[] };
  try {
    return await sandbox.runCode(args.code, {
      language: args.language,
      ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onStdout: (out: OutputMessage) => {
        printed.stdout.push(out.line);
        return opts.onStdout?.(out.line, call);
      },
      onStderr: (out: OutputMessage) => {
        printed.stderr.push(out.line);
        return opts.onStderr?.(out.line, call);
      },
    });
  } catch (err) {
    // A timeout is the model's to handle (try something faster), so it becomes the execution's error.
    if (err instanceof Error && err.name === 'TimeoutError') {
      return { logs: printed, error: { name: err.name, value: err.message, traceback: '' } };
    }
    throw err;
  }
}

function rejected(call: FunctionCall, text: string): FunctionCallOutcome {
  return { call, status: 'rejected', output: { text, images: [], truncated: false } };
}
