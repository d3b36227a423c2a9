import type { Logger } from 'pino';
import type { AgentRuntime } from '../agent-config.js';
import { CgroupMemory } from './cgroup-memory.js';
import { GuestMemoryUsage } from './guest-memory-usage.js';
import { holdsMemory, listProcessMemory, selfAndAncestors } from './guest-processes.js';
import { MemoryWatchdog } from './memory-watchdog.js';
import type { SandboxMemorySource } from './sandbox-memory.js';

/**
 * The watchdog's timing under gVisor (ptrace platform, measured; docs/security.md, "Memory under
 * gVisor"). The fastest allocators tried (`bytearray`, `'x' * n`, malloc + memset, Node's
 * `Buffer.alloc`) grew the sandbox by 1–1.4 GiB/s, bursts faster; one sample costs 36 µs of the
 * agent, but waking up under ptrace costs far more: a fixed 10 ms interval kept an idle sandbox's
 * sentry at about 5 % of a core. So an idle sandbox is sampled every 250 ms and one near its limit
 * every 10 ms.
 */
export const GVISOR_WATCHDOG = {
  minIntervalMs: 10,
  maxIntervalMs: 250,
  growthBytesPerMs: 2 * 1024 * 1024,
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
  const usage = new GuestMemoryUsage();
  return new MemoryWatchdog({
    limitBytes: limit,
    ...GVISOR_WATCHDOG,
    usage: () => usage.read(),
    processes: () => listProcessMemory(),
    holdsMemory: (pid) => holdsMemory(pid),
    kill: (pid) => process.kill(pid, 'SIGKILL'),
    exempt: selfAndAncestors(),
    logger: logger.child({ component: 'memory-watchdog' }),
  });
}
