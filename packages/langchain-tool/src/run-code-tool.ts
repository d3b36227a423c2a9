import { CODE_LANGUAGES, InvalidArgumentError, shapeOutput, type CodeLanguage } from '@codebox/core-client';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';
import { outputEmitter } from './output-events.js';
import { resolveSessionId } from './session-id.js';
import { toolContent } from './tool-content.js';
import type { CodeboxToolOpts } from './tool-opts.js';
import { toolCallIdOf } from './tool-runtime.js';

export const RUN_CODE_TOOL_NAME = 'run_code';

export interface RunCodeToolOpts extends CodeboxToolOpts {
  /**
   * Languages the model may choose; the first is the default. Limit them to the kernels your
   * template has.
   * @default ['python', 'javascript', 'typescript', 'r', 'java', 'bash']
   */
  languages?: readonly CodeLanguage[];
  /**
   * Time limit of one execution in milliseconds; the code is interrupted when it passes, the
   * kernel keeps its state, and the model is told.
   * @default 60_000 (the sandbox's)
   */
  timeoutMs?: number;
}

/**
 * A tool that runs code in the session's sandbox with its stateful kernels (`runCode`):
 * variables, imports and files live on between calls of the same session. The model gets the
 * shaped output (stdout, stderr, the last expression's value, images, the error); the tool
 * message's artifact is the whole `Execution`. Output lines are streamed while the code runs as
 * {@link CodeboxOutputEvent}s, and the run's abort signal interrupts the execution.
 */
export function createRunCodeTool(opts: RunCodeToolOpts) {
  const languages = opts.languages ?? CODE_LANGUAGES;
  const [defaultLanguage, ...others] = languages;
  if (defaultLanguage === undefined) {
    throw new InvalidArgumentError('languages must list at least one language the run_code tool may use, e.g. ["python"].');
  }
  const includeImages = opts.includeImages ?? true;
  const schema = z.object({
    code: z.string().min(1).describe('The code to run.'),
    language: z
      .enum([defaultLanguage, ...others])
      .default(defaultLanguage)
      .describe(`Language of the code; ${defaultLanguage} when omitted.`),
  });

  return tool(
    async ({ code, language }, runtime) => {
      const sessionId = resolveSessionId(runtime, opts.sessionId, RUN_CODE_TOOL_NAME);
      const emit = outputEmitter(runtime, { tool: RUN_CODE_TOOL_NAME, toolCallId: toolCallIdOf(runtime), sessionId });
      const execution = await opts.sessions.withSession(sessionId, (sandbox) =>
        sandbox.runCode(code, {
          language,
          ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
          ...(runtime.signal ? { signal: runtime.signal } : {}),
          onStdout: (output) => emit('stdout', output.line),
          onStderr: (output) => emit('stderr', output.line),
        }),
      );
      const shaped = shapeOutput(execution, opts.maxOutputChars === undefined ? {} : { maxChars: opts.maxOutputChars });
      return [toolContent(shaped, includeImages), execution];
    },
    {
      name: RUN_CODE_TOOL_NAME,
      description:
        `Runs code in a sandboxed machine, like a Jupyter notebook cell, and returns its output. Languages: ${languages.join(', ')}. ` +
        'Variables and imports persist between calls in the same language; files persist in /home/user (the working directory). ' +
        'The value of the last expression is returned, and charts (e.g. matplotlib) come back as images. Long output is cut in the middle.',
      schema,
      responseFormat: 'content_and_artifact',
    },
  );
}
