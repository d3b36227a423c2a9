import { InvalidArgumentError } from '../errors.js';
import { defaultExecutor, type CodeExecutor, type CommandsSandbox, type RunCodeSandbox } from './code-executor.js';
import { extractCode, type CodeBlock } from './extract-code.js';
import type { ImagePart } from './image-info.js';
import { isExecutionLike, type ShapeableResult } from './shapeable-result.js';
import { shapeOutput, type ShapedOutput } from './shape-output.js';
import { isTimeout, timedOutExecution } from './tool-output.js';

/** A message of the loop's conversation. */
export interface LoopMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Images the code produced (on the loop's own `user` messages), for models that take them. */
  images?: ImagePart[];
}

/**
 * The model: given the conversation so far, its next answer as text (Markdown; code to run in
 * fenced blocks). Any chat API fits behind it.
 */
export type LoopModel = (messages: readonly LoopMessage[], context: { step: number; signal?: AbortSignal }) => Promise<string> | string;

export interface RunCodeLoopOpts {
  model: LoopModel;
  /** Where code runs, through {@link defaultExecutor}; not needed when `execute` is given. */
  sandbox?: CommandsSandbox | RunCodeSandbox;
  /** Runs one block; overrides `sandbox`. */
  execute?: CodeExecutor;
  /** The conversation to start from (system prompt, the task). */
  messages: readonly LoopMessage[];
  /**
   * Most model calls.
   * @default 10
   */
  maxSteps?: number;
  /**
   * Budget of one block's output as fed back to the model, in characters.
   * @default 4000
   */
  maxOutputChars?: number;
  /** Called after each step, e.g. to stream progress. */
  onStep?: (step: LoopStep) => void | Promise<void>;
  /** Stops the loop between model calls and executions. */
  signal?: AbortSignal;
}

/** One code block the loop ran. */
export interface LoopExecution {
  block: CodeBlock;
  result: ShapeableResult;
  shaped: ShapedOutput;
  failed: boolean;
}

/** One model call and the code it asked for. */
export interface LoopStep {
  /** 1-based. */
  step: number;
  reply: string;
  executions: LoopExecution[];
  /** Blocks not run because an earlier block of the same reply failed. */
  skipped: CodeBlock[];
}

export interface RunCodeLoopResult {
  /** `answer`: the model replied without code; `max-steps`: `maxSteps` model calls were made. */
  stopReason: 'answer' | 'max-steps';
  /** The model's last reply: its answer, or its last code-carrying reply at `max-steps`. */
  answer: string;
  steps: LoopStep[];
  /** The whole conversation, including the model's replies and the fed-back outputs. */
  messages: LoopMessage[];
}

export const DEFAULT_MAX_STEPS = 10;

/**
 * Extract-and-execute for models without tool calling: ask the model, run the fenced code
 * blocks of its reply in order (stopping at the first that fails, since later blocks usually
 * build on it), feed the shaped outputs back as one `user` message, and repeat until the model
 * answers without code or `maxSteps` model calls were made. A `TimeoutError` of an execution is
 * fed back like any other error, so the model can try something faster; other errors (the
 * sandbox is gone, the runner unreachable) end the loop by rejecting.
 */
export async function runCodeLoop(opts: RunCodeLoopOpts): Promise<RunCodeLoopResult> {
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new InvalidArgumentError(`maxSteps must be a positive integer, got ${maxSteps}.`);
  const execute = opts.execute ?? (opts.sandbox ? defaultExecutor(opts.sandbox) : undefined);
  if (!execute) throw new InvalidArgumentError('runCodeLoop needs a sandbox or an execute function to run code with: pass one of them.');
  const shapeOpts = opts.maxOutputChars === undefined ? {} : { maxChars: opts.maxOutputChars };
  const messages: LoopMessage[] = [...opts.messages];
  const steps: LoopStep[] = [];

  for (let step = 1; ; step++) {
    opts.signal?.throwIfAborted();
    const context = opts.signal ? { step, signal: opts.signal } : { step };
    const reply = await opts.model([...messages], context);
    messages.push({ role: 'assistant', content: reply });
    const blocks = extractCode(reply);
    const record: LoopStep = { step, reply, executions: [], skipped: [] };
    steps.push(record);
    if (blocks.length === 0) {
      await opts.onStep?.(record);
      return { stopReason: 'answer', answer: reply, steps, messages };
    }

    for (const [i, block] of blocks.entries()) {
      opts.signal?.throwIfAborted();
      const result = await executeBlock(execute, block, opts.signal);
      const execution: LoopExecution = { block, result, shaped: shapeOutput(result, shapeOpts), failed: hasFailed(result) };
      record.executions.push(execution);
      if (execution.failed) {
        record.skipped = blocks.slice(i + 1);
        break;
      }
    }
    messages.push(observation(record));
    await opts.onStep?.(record);
    if (step >= maxSteps) return { stopReason: 'max-steps', answer: reply, steps, messages };
  }
}

/** The executors keep a timeout's output themselves; an `execute` of the caller's may still throw one. */
async function executeBlock(execute: CodeExecutor, block: CodeBlock, signal: AbortSignal | undefined): Promise<ShapeableResult> {
  try {
    return await execute(block.code, block.language);
  } catch (err) {
    if (isTimeout(err, signal)) return timedOutExecution({ stdout: [], stderr: [] }, err);
    throw err;
  }
}

function hasFailed(result: ShapeableResult): boolean {
  return isExecutionLike(result) ? result.error !== undefined : result.exitCode !== 0;
}

/** The fed-back message: each block's output under a heading the model can match to its code. */
function observation(step: LoopStep): LoopMessage {
  const several = step.executions.length + step.skipped.length > 1;
  const parts = step.executions.map(({ block, shaped }, i) =>
    several ? `Output of code block ${i + 1} (${block.language}):\n${shaped.text}` : `Output (${block.language}):\n${shaped.text}`,
  );
  if (step.skipped.length > 0) {
    const first = step.executions.length + 1;
    const last = step.executions.length + step.skipped.length;
    const which = first === last ? `Code block ${first} was` : `Code blocks ${first}-${last} were`;
    parts.push(`${which} not run because block ${step.executions.length} failed.`);
  }
  const images = step.executions.flatMap((e) => e.shaped.images);
  const message: LoopMessage = { role: 'user', content: parts.join('\n\n') };
  if (images.length > 0) message.images = images;
  return message;
}
