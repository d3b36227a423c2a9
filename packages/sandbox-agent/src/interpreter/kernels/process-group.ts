import type { KernelChild } from './kernel-child.js';

/**
 * Signals a bridge's whole process group: the launcher starts each bridge as a group leader, so
 * an interrupt or a kill also reaches what its code started (subprocesses, `system()` calls).
 */
export function signalGroup(child: KernelChild, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    // ESRCH: already gone; the exit event is on its way.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
