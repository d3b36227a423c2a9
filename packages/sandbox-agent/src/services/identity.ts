import { stat } from 'node:fs';
import { loadNativeAddon } from './native-addon.js';
import type { SandboxUser } from './user-directory.js';

/** native/thread-identity.c: the calling thread's credentials, without glibc's all-threads broadcast. */
interface ThreadIdentityAddon {
  switchThread(uid: number, gid: number, groups: readonly number[]): void;
}

// Loaded once, as the agent starts (before any user code runs), from beside agent.mjs in a
// sandbox, else from the package's dist/ (compiled tree: ../, source tree in tests: ../../dist/).
const threadIdentity = loadNativeAddon<ThreadIdentityAddon>(new URL('./thread-identity.node', import.meta.url), [
  new URL('../thread-identity.node', import.meta.url),
  new URL('../../dist/thread-identity.node', import.meta.url),
]);

// A thread starts with the credentials of the thread that creates it, for good. libuv creates its
// whole pool at the first async request: were that inside asUser, every pool thread would stay the
// user (measured: the agent's async reads of root-only files then fail with EACCES). So the pool
// starts here, as root, when the agent loads.
if (threadIdentity) stat('/', () => undefined);

/**
 * How `asUser` switches: `thread` changes only the JavaScript thread's credentials (the add-on);
 * `process` falls back to Node's process-wide calls, which glibc applies to every thread by
 * signalling each one (17 ms an asUser under gVisor against 0.4 ms per thread, measured).
 */
export const identitySwitch: 'thread' | 'process' = threadIdentity ? 'thread' : 'process';

/**
 * Runs a SYNCHRONOUS function with the effective uid/gid (and only group) of `user`, so the
 * kernel checks that user's permissions for every path it touches. The agent is single
 * threaded for JavaScript, so nothing else runs while the identity is switched; the function
 * must not await (async work would run later as root) nor start threads (a thread keeps the
 * credentials it starts with). Data I/O on a descriptor opened here needs no switch: the
 * kernel checked access at open.
 *
 * When the agent does not run as root (tests as a normal user), switching is impossible and
 * the call runs as the agent's own user.
 */
export function asUser<T>(user: SandboxUser, fn: () => T): T {
  if (process.geteuid?.() !== 0 || !process.seteuid || !process.setegid || !process.setgroups || !process.getgroups) {
    return fn();
  }
  const savedGroups = process.getgroups();
  const savedGid = process.getegid?.() ?? 0;
  if (threadIdentity) {
    // Only this thread: libuv's pool (other requests' async I/O) stays root meanwhile.
    try {
      threadIdentity.switchThread(user.uid, user.gid, [user.gid]);
      return fn();
    } finally {
      threadIdentity.switchThread(0, savedGid, savedGroups);
    }
  }
  try {
    // Inside the try: if a later step fails, the finally still restores the earlier ones.
    process.setgroups([user.gid]);
    process.setegid(user.gid);
    process.seteuid(user.uid);
    return fn();
  } finally {
    // Back to root first: changing gid and groups needs the capabilities euid 0 restores.
    process.seteuid(0);
    process.setegid(savedGid);
    process.setgroups(savedGroups);
  }
}
