import { InvalidArgumentError } from '@codebox/core-client';

/**
 * A function's parameters schema cannot be used with OpenAI's strict mode (`strict: true`),
 * which accepts only objects that forbid extra properties and list every property as required.
 * Raised when the function definitions are built, before any request is sent.
 */
export class NonStrictSchemaError extends InvalidArgumentError {
  constructor(
    /** JSON pointer of the offending schema node (`''` for the root). */
    readonly pointer: string,
    reason: string,
  ) {
    super(
      `The parameters schema is not valid for OpenAI strict mode at "${pointer || '/'}": ${reason}. ` +
        'Make every object strict (z.object, not z.looseObject) and every property required; ' +
        'express an optional value as z.string().nullable() or similar.',
    );
    this.name = 'NonStrictSchemaError';
  }
}

/**
 * A chat completion came back without a message to continue from (no `choices`). Seen with
 * OpenAI-compatible servers that fail silently; the loop cannot go on without the model's turn.
 */
export class EmptyCompletionError extends Error {
  constructor(readonly step: number) {
    super(
      `The model's response at step ${step} had no choices, so there is no message to continue the conversation with. ` +
        'Check that the server speaks the Chat Completions API at the client\'s baseURL and that the model name is right.',
    );
    this.name = 'EmptyCompletionError';
  }
}
