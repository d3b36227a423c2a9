/**
 * A Codebox tool ran without a session id: it could not tell whose sandbox to use. Raised
 * before any sandbox is touched.
 */
export class MissingSessionIdError extends Error {
  constructor(readonly toolName: string) {
    super(
      `The Codebox tool "${toolName}" needs a session id to pick its sandbox, and the run has none: ` +
        "invoke the agent with { configurable: { thread_id: '<conversation id>' } }, " +
        'or pass sessionId (a string or a function of the tool runtime) to createCodeboxTools.',
    );
    this.name = 'MissingSessionIdError';
  }
}
