import { Code, ConnectError } from '@connectrpc/connect';
import { SandboxError, SandboxNotFoundError } from '../errors.js';

/**
 * Reads the first message of a server stream, which the agent must send as a `start` event;
 * `pick` returns its payload or `undefined` for any other message.
 */
export async function startEvent<M, S>(events: AsyncIterator<M>, pick: (message: M) => S | undefined): Promise<S> {
  let first: IteratorResult<M>;
  try {
    first = await events.next();
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.Unavailable) {
      throw new SandboxNotFoundError(`Sandbox is probably not running anymore: ${err.rawMessage}`);
    }
    throw err;
  }
  const start = first.done ? undefined : pick(first.value);
  if (start === undefined) {
    throw new SandboxError('Expected start event: the agent answered the stream with something else first.');
  }
  return start;
}
