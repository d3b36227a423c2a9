/**
 * The sandbox's memory limit and how many processes were killed for reaching it, wherever that
 * is known: under runc the kernel's memory cgroup (`CgroupMemory`), under gVisor the agent's own
 * watchdog (`MemoryWatchdog`), since gVisor's kernel neither enforces the limit nor has an OOM
 * killer of its own. Whoever classifies a death (the interpreter) reads only this, so it works
 * the same under both runtimes.
 */
export interface SandboxMemory {
  /** The memory limit in bytes, or undefined when there is none or it cannot be read. */
  limitBytes(): number | undefined;
  /**
   * Processes killed so far because the sandbox reached its limit, or undefined when that cannot
   * be known. It only grows; a kill is counted before its SIGKILL is sent or (the kernel) just after.
   */
  oomKills(): number | undefined;
  /**
   * Memory in use now that the limit counts (reclaimable page cache left out), or undefined when
   * it cannot be read. Idle kernels are evicted when it nears the limit.
   */
  usageBytes?(): number | undefined;
}

/** A `SandboxMemory` that has work to do while the agent runs (the watchdog samples); the cgroup has none. */
export interface SandboxMemorySource extends SandboxMemory {
  start?(): void;
  stop?(): void;
}
