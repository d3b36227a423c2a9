import type { Sandbox, SandboxSessions } from '@codebox/core-client';
import type { SessionIdOption } from './session-id.js';

/** What every Codebox tool is built from. */
export interface CodeboxToolOpts {
  /** Where the tools get a sandbox per session. */
  sessions: SandboxSessions<Sandbox>;
  /**
   * The session of a call (and so its sandbox).
   * @default the run's `configurable.thread_id`
   */
  sessionId?: SessionIdOption;
  /**
   * Most characters of output a tool returns to the model (head and tail kept, the cut marked).
   * @default 4000
   */
  maxOutputChars?: number;
  /**
   * Return images (charts, PNG/JPEG files) to the model as image blocks after the text. Turn
   * off for models that accept only text in tool results; the text describes each image anyway.
   * @default true
   */
  includeImages?: boolean;
}
