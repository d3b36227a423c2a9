import type { ChildProcess } from 'node:child_process';

/**
 * Signals a bridge's whole process group: the launcher starts each bridge as a group leader, so
 * an interrupt or a kill also reaches what its code started (subprocesses, `system()` calls).
 */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: already gone; the exit event is on its way.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
