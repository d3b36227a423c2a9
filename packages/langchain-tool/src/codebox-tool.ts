import {
  codeboxToolRunner,
  toolDescriptions,
  toolSchemas,
  type AgentSandbox,
  type CodeboxToolArgs,
  type CodeboxToolName,
  type CodeboxToolSettings,
  type SandboxSessions,
} from '@codebox/core-client';
import { tool } from '@langchain/core/tools';
import { outputEmitter } from './output-events.js';
import { sessionIdOf, type SessionIdOption } from './session-id.js';
import { toolContent } from './tool-content.js';
import { toolCallIdOf, type ToolRuntimeLike } from './tool-runtime.js';

/** What each Codebox tool is built from. */
export interface CodeboxToolOpts<S extends AgentSandbox = AgentSandbox> extends CodeboxToolSettings {
  /** Where the tools get a sandbox per session. */
  sessions: SandboxSessions<S>;
  /**
   * The session of a call (and so its sandbox): a fixed id, or a function of the call's runtime.
   * @default the run's `configurable.thread_id`; without one the call fails with `MissingSessionIdError`
   */
  sessionId?: SessionIdOption;
  /**
   * Return images (charts, PNG/JPEG files) to the model as image blocks after the text. Turn
   * off for models that accept only text in tool results; the text describes each image anyway.
   * @default true
   */
  includeImages?: boolean;
}

/**
 * One Codebox tool as a LangChain `tool()` with the shared name, description and zod schema;
 * the behaviour is core-client's (`runCodeboxTool`). The model gets the text (and images as
 * image blocks); the tool message's artifact is the raw result (`Execution`, `CommandResult`,
 * the file's bytes, `WriteInfo`). Output is streamed while code or a command runs as
 * {@link CodeboxOutputEvent}s; the run's abort signal stops it.
 */
export function createCodeboxTool<N extends CodeboxToolName, S extends AgentSandbox>(name: N, opts: CodeboxToolOpts<S>) {
  const run = codeboxToolRunner(opts);
  const includeImages = opts.includeImages ?? true;
  return tool(
    async (args, runtime: ToolRuntimeLike) => {
      const sessionId = sessionIdOf(runtime, opts.sessionId, name);
      const emit = outputEmitter(runtime, { tool: name, toolCallId: toolCallIdOf(runtime), sessionId });
      const { output, result } = await opts.sessions.withSession(sessionId, (sandbox) =>
        run(sandbox, name, args as CodeboxToolArgs[N], {
          ...(runtime.signal ? { signal: runtime.signal } : {}),
          onStdout: (text) => emit('stdout', text),
          onStderr: (text) => emit('stderr', text),
        }),
      );
      return [toolContent(output, includeImages), result];
    },
    { name, description: toolDescriptions(opts)[name], schema: toolSchemas(opts)[name], responseFormat: 'content_and_artifact' },
  );
}
