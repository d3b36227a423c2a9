import type { ToolRuntime } from '@langchain/core/tools';

/**
 * What a tool's function receives as its second argument. Inside a LangGraph run (an agent
 * from `createAgent`) that is the full {@link ToolRuntime}; called directly (`tool.invoke`) it
 * is only the run's config, so the graph's fields may be missing.
 */
export type ToolRuntimeLike = Omit<ToolRuntime, 'writer' | 'toolCallId' | 'state' | 'context' | 'store' | 'config'> &
  Partial<Pick<ToolRuntime, 'writer' | 'toolCallId' | 'state' | 'context' | 'store'>>;

/** The id of the tool call being answered, when there is one. */
export function toolCallIdOf(runtime: ToolRuntimeLike): string | undefined {
  return runtime.toolCallId ?? runtime.toolCall?.id;
}
