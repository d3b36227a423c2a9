import type { SandboxUser } from './user-directory.js';

/**
 * Runs a SYNCHRONOUS function with the effective uid/gid (and only group) of `user`, so the
 * kernel checks that user's permissions for every path it touches. The agent is single
 * threaded for JavaScript, so nothing else runs while the identity is switched; the function
 * must not await (async work would run later as root). Data I/O on a descriptor opened here
 * needs no switch: the kernel checked access at open.
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
