/** Typed failures of host programs the runner runs. `name` is stable so callers can branch on it. */

/** A host program (mkfs, mount, iptables, debootstrap) that could not start or exited non-zero; `stderr` holds its output's tail. */
export class HostCommandError extends Error {
  override readonly name = 'HostCommandError';
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(
      `\`${command}\` failed (${exitCode === null ? 'killed by a signal' : `exit ${exitCode}`}): ${stderr.trim().slice(-2000) || 'no error output'}`,
    );
  }
}
