import { dispatchCustomEvent } from '@langchain/core/callbacks/dispatch';
import type { ToolRuntimeLike } from './tool-runtime.js';

/** Name of the custom events carrying a running tool's output (`on_custom_event` in `streamEvents`). */
export const CODEBOX_OUTPUT_EVENT = 'codebox_output';

/** A piece of stdout or stderr, sent while the code or command is still running. */
export interface CodeboxOutputEvent {
  type: typeof CODEBOX_OUTPUT_EVENT;
  /** The tool that produced it (`run_code`, `run_command`). */
  tool: string;
  /** The tool call it belongs to, when the tool was called by a model. */
  toolCallId?: string;
  sessionId: string;
  stream: 'stdout' | 'stderr';
  /** The text as it arrived: a line from `run_code`, a chunk from `run_command`. */
  text: string;
}

export type OutputEmitter = (stream: CodeboxOutputEvent['stream'], text: string) => Promise<void>;

/**
 * Sends output to both of LangChain's streaming channels: a custom callback event, which
 * `streamEvents` consumers (and callback handlers) see, and the LangGraph stream writer, which
 * `agent.stream(..., { streamMode: 'custom' })` consumers see. The writer exists only inside a
 * graph run; the callback event needs the tool's run, which the config carries.
 */
export function outputEmitter(runtime: ToolRuntimeLike, origin: Pick<CodeboxOutputEvent, 'tool' | 'toolCallId' | 'sessionId'>): OutputEmitter {
  return async (stream, text) => {
    const event: CodeboxOutputEvent = { type: CODEBOX_OUTPUT_EVENT, ...origin, stream, text };
    runtime.writer?.(event);
    await dispatchCustomEvent(CODEBOX_OUTPUT_EVENT, event, runtime);
  };
}
