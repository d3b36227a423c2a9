import type { Logger } from 'pino';
import type { AgentRuntime } from '../agent-config.js';
import { CgroupMemory } from './cgroup-memory.js';
import { guestMemoryUsage } from './guest-memory-usage.js';
import { holdsMemory, listProcessMemory, selfAndAncestors } from './guest-processes.js';
import { MemoryWatchdog } from './memory-watchdog.js';
import type { SandboxMemorySource } from './sandbox-memory.js';

/**
 * The watchdog's timing under gVisor. Measured on the ptrace platform (docs/security.md, "Memory
 * under gVisor"): the fastest allocator tried grows the sandbox by at most … MiB per sample
 * interval, well inside the runner's headroom above the limit.
 */
export const GVISOR_WATCHDOG = {
  intervalMs: 100,
  settleMs: 300,
  victimExitMs: 2_000,
} as const;

/**
 * Where the agent reads the sandbox's memory limit and OOM kills: under runc the memory cgroup,
 * whose limit the kernel enforces; under gVisor (`runsc`) a watchdog that enforces the limit the
 * runner passed (`CODEBOX_MEMORY_LIMIT_MIB`), since gVisor's kernel does not.
 */
export function sandboxMemoryFor(runtime: AgentRuntime, limitBytes: number | undefined, logger: Logger): SandboxMemorySource {
  const cgroup = new CgroupMemory();
  if (runtime === 'runc') return cgroup;
  const limit = limitBytes ?? cgroup.limitBytes();
  if (limit === undefined) {
    logger.warn('under gVisor without a known memory limit: no OOM watchdog, so a memory bomb can end the whole sandbox');
    return cgroup;
  }
  logger.info({ limitMiB: limit / 1024 / 1024, ...GVISOR_WATCHDOG }, 'under gVisor: the agent is the sandbox’s OOM killer');
  return new MemoryWatchdog({
    limitBytes: limit,
    ...GVISOR_WATCHDOG,
    usage: () => guestMemoryUsage(),
    processes: () => listProcessMemory(),
    holdsMemory: (pid) => holdsMemory(pid),
    kill: (pid) => process.kill(pid, 'SIGKILL'),
    exempt: selfAndAncestors(),
    logger: logger.child({ component: 'memory-watchdog' }),
  });
}
