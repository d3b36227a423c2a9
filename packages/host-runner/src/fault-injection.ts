/**
 * FAULT-INJECTION POINTS, for crash-recovery tests only. When the environment variable
 * `CODEBOX_FAULT_CRASH_AT` names one of these stages, the runner SIGKILLs itself on reaching it,
 * so a test can stop a create at an exact point and check what a restarted runner does with the
 * half-made sandbox. Unset (the only sane production value) every call is a no-op: one string
 * comparison. SIGKILL, not an exception: nothing of the runner's own cleanup may run, exactly as
 * when the OOM killer or a power cut stops it.
 */
export const CRASH_POINTS = [
  /** The sandbox directory exists and its uid is claimed, but the uid file is not written yet. */
  'create:after-uid-claim',
  /** The home disk image is made and loop-mounted; no container yet. */
  'create:after-home-disk',
  /** The container exists (created, never started). */
  'create:after-container-create',
  /** The container runs; its agent has not answered /health yet. */
  'create:after-container-start',
  /** The agent answered /health; the create is not recorded as complete yet. */
  'create:after-agent-health',
  /** The create is recorded as complete (and indexed); the 201 has not been sent. */
  'create:before-response',
  /** A warm-pool hand-over wrote the owner's files; the agent has no env vars and the marker is still there. */
  'handover:after-owner-file',
] as const;

export type CrashPoint = (typeof CRASH_POINTS)[number];

export const CRASH_AT_ENV = 'CODEBOX_FAULT_CRASH_AT';

export function crashPoint(point: CrashPoint): void {
  if (process.env[CRASH_AT_ENV] === point) process.kill(process.pid, 'SIGKILL');
}

/** The stage named in the environment, for a loud warning at start; undefined when unset. */
export function armedCrashPoint(): string | undefined {
  return process.env[CRASH_AT_ENV] || undefined;
}
