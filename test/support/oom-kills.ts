import Docker from 'dockerode';
import { UNDER_RUNSC } from './runsc-exclusions.js';

/** What the agent logs each time its watchdog (runsc only) kills a process for the memory limit. */
export const WATCHDOG_KILL_LOG = 'killed the largest user process';

/** Counts the lines of `text` that report a watchdog kill. */
function watchdogKills(text: string): number {
  return text.split('\n').filter((line) => line.includes(WATCHDOG_KILL_LOG)).length;
}

/**
 * Processes killed in a sandbox for reaching its memory limit so far: under runc the memory
 * cgroup's `oom_kill` counter (read from inside, as the agent reads it); under runsc the agent's
 * watchdog kills, from the agent's log (gVisor's cgroup files have no such counter).
 */
export async function sandboxOomKills(sandbox: { readonly sandboxId: string; commands: { run(cmd: string): Promise<{ stdout: string }> } }): Promise<number> {
  if (UNDER_RUNSC) {
    const logs = await new Docker().getContainer(`codebox-${sandbox.sandboxId}`).logs({ stdout: true, stderr: true });
    return watchdogKills(logs.toString('utf8'));
  }
  const cgroup = "cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null | awk '$1 == \"oom_kill\" {print $2}'";
  return Number((await sandbox.commands.run(cgroup)).stdout.trim() || '0');
}
