import {
  codeboxToolRunner,
  resolveSessionId,
  type AgentSandbox,
  type CodeboxToolRunner,
  type CodeboxToolArgs,
  type CodeboxToolName,
  type CodeboxToolResults,
  type CodeboxToolSettings,
  type ExecutionLike,
  type SandboxSessions,
  type ToolOutput,
} from '@codebox/core-client';
import { z } from 'zod/v4';
import { codeboxFunctions, type CodeboxFunction, type CodeboxFunctionsOpts } from './function-definitions.js';

/** A function call of either API, normalised: Chat's `tool_calls[i]` or a Responses `function_call` item. */
export interface FunctionCall {
  /** `tool_call_id` (Chat) or `call_id` (Responses): what the answer is matched by. */
  id: string;
  name: string;
  /** The arguments as the model wrote them (a JSON string). */
  arguments: string;
}

/** What happened to one call. */
export interface FunctionCallOutcome {
  call: FunctionCall;
  /**
   * `ran`: the tool ran (the code may still have failed, see `output.error` / `output.exitCode`);
   * `rejected`: not run (unknown function, bad arguments), the model is told why.
   */
  status: 'ran' | 'rejected';
  /** The validated arguments, when they were valid. */
  args?: CodeboxToolArgs[CodeboxToolName];
  /** The raw result when the tool ran: an `Execution`, a `CommandResult`, the file's bytes, the write's info. */
  result?: CodeboxToolResults[CodeboxToolName];
  /** The full execution, when `run_code` ran. */
  execution?: ExecutionLike;
  /** What goes back to the model: compact text (images described), the images, the error or exit code. */
  output: ToolOutput;
}

export interface DispatchOpts extends CodeboxFunctionsOpts, CodeboxToolSettings {
  /** Where calls run: one sandbox per session id. */
  sessions: SandboxSessions<AgentSandbox>;
  /**
   * The session (conversation, thread, user) whose sandbox runs the calls. There is no shared
   * default: without one the calls fail with `MissingSessionIdError`.
   */
  sessionId: string;
  /**
   * Also pass images (charts, PNG/JPEG files) to the model, where the API allows it (Chat: a
   * follow-up `user` message with `image_url` parts; Responses: `input_image` parts of the
   * output). Their descriptions are in the text either way.
   * @default false
   */
  images?: boolean;
  /**
   * Aborting stops the running call (code is interrupted, a command killed), skips the calls
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
  /** A call has finished; its outcome carries the raw result. */
  onToolResult?: (outcome: FunctionCallOutcome) => unknown;
}

const HINT = 'pass sessionId (the conversation, thread or user) to runToolLoop or the dispatch functions';

/**
 * Runs the calls one after the other, in the order the model made them. Parallel calls of one
 * turn share the session's sandbox, whose kernels keep state: running them at once would make
 * their effects race (and one kernel runs one cell at a time anyway), while order keeps a
 * second call that uses the first one's variables or files working.
 *
 * The model's mistakes (an unknown function, arguments that are not valid) come back as
 * outcomes the model reads and can correct, and so do the tools' own results (a failing exit,
 * a timeout, a missing file: core-client's rules); failures of the sandbox itself (runner
 * unreachable, sandbox gone, session limit) reject.
 */
export async function executeFunctionCalls(calls: readonly FunctionCall[], opts: DispatchOpts): Promise<FunctionCallOutcome[]> {
  const functions = codeboxFunctions(opts);
  const run = codeboxToolRunner(opts);
  const outcomes: FunctionCallOutcome[] = [];
  for (const call of calls) {
    opts.signal?.throwIfAborted();
    await opts.onToolCall?.(call);
    const fn = functions.find((f) => f.name === call.name);
    const outcome = fn ? await executeOne(call, fn, run, opts) : unknown(call, functions);
    await opts.onToolResult?.(outcome);
    outcomes.push(outcome);
  }
  return outcomes;
}

async function executeOne(call: FunctionCall, fn: CodeboxFunction, run: CodeboxToolRunner, opts: DispatchOpts): Promise<FunctionCallOutcome> {
  let raw: unknown;
  try {
    raw = JSON.parse(call.arguments);
  } catch {
    return rejected(call, `The arguments are not valid JSON. Call ${fn.name} again with a JSON object of ${argumentNames(fn)}.`);
  }
  const parsed = fn.args.safeParse(raw);
  if (!parsed.success) {
    return rejected(call, `The arguments are not valid:\n${z.prettifyError(parsed.error)}\nCall ${fn.name} again with corrected arguments.`);
  }
  const args = parsed.data;
  const sessionId = resolveSessionId(call, opts.sessionId, undefined, { name: fn.name, hint: HINT });
  const { result, output } = await opts.sessions.withSession(sessionId, (sandbox) =>
    run(sandbox, fn.name, args, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      onStdout: (text) => opts.onStdout?.(text, call),
      onStderr: (text) => opts.onStderr?.(text, call),
    }),
  );
  const outcome: FunctionCallOutcome = { call, status: 'ran', args, result, output };
  if (fn.name === 'run_code') outcome.execution = result as ExecutionLike;
  return outcome;
}

function argumentNames(fn: CodeboxFunction): string {
  const properties = Object.keys((fn.parameters.properties as Record<string, unknown> | undefined) ?? {});
  return properties.map((p) => `"${p}"`).join(', ');
}

function unknown(call: FunctionCall, functions: CodeboxFunction[]): FunctionCallOutcome {
  return rejected(call, `Unknown function "${call.name}". The functions here are ${functions.map((f) => f.name).join(', ')}.`);
}

function rejected(call: FunctionCall, text: string): FunctionCallOutcome {
  return { call, status: 'rejected', output: { text, images: [], truncated: false } };
}
