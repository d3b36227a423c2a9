import { MOBY_DEFAULT_SECCOMP_PROFILE } from './docker-default-seccomp.js';

/**
 * The seccomp profile of root-enabled sandboxes: Docker's default plus `unshare` and `mount`, which
 * Docker grants only with CAP_SYS_ADMIN. The container's entry (`sandbox-exec --root-namespace`)
 * needs them once, to make the sandbox's user and mount namespaces and its overlays; sandbox-exec
 * denies both again (EPERM) to every process it starts, root included, so user code never gets
 * new namespaces or mounts. Other sandboxes keep Docker's default profile.
 */
export const ROOT_MODE_SECCOMP_EXTRA_SYSCALLS = ['unshare', 'mount'] as const;

export function rootModeSeccompProfile(): string {
  return JSON.stringify({
    ...MOBY_DEFAULT_SECCOMP_PROFILE,
    syscalls: [
      ...MOBY_DEFAULT_SECCOMP_PROFILE.syscalls,
      { names: ROOT_MODE_SECCOMP_EXTRA_SYSCALLS, action: 'SCMP_ACT_ALLOW', args: [], comment: 'codebox root mode', includes: {}, excludes: {} },
    ],
  });
}
