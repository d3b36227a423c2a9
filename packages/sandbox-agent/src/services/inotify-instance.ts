import { watch } from 'node:fs';
import type { Logger } from 'pino';
import { asUser } from './identity.js';
import type { SandboxUser } from './user-directory.js';

/**
 * Opens the agent's inotify instance now, as the sandbox user, before any user process exists.
 *
 * Node (libuv) keeps ONE inotify instance per event loop, created by the first `fs.watch` and
 * kept after every watch closes; the kernel charges it to the effective uid at creation
 * (`fs.inotify.max_user_instances`, 128 per uid). Charged to root it would come out of a
 * budget every sandbox on the host (and the host's own daemons) shares; created lazily as the
 * user, the sandbox's code could first use up its uid's 128 instances and so break its own
 * `watchDir`. Created here it belongs to the sandbox's own uid and is already held when user
 * code starts. Watches added later are charged to the same uid: the sandbox's own budget.
 */
export function openInotifyInstance(user: SandboxUser, logger: Logger): void {
  try {
    asUser(user, () => watch('/', { persistent: false }).close());
  } catch (error) {
    logger.warn({ err: error, user: user.name }, 'could not open the inotify instance early; watchDir opens it on first use');
  }
}
