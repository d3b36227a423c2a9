import type { Logger } from 'pino';
import { mib } from './memory-units.js';
import type { ProcessMemory } from './guest-processes.js';
import type { SandboxMemory } from './sandbox-memory.js';

/** `oom_score_adj` that exempts a process from the OOM killer, as in Linux. */
const OOM_SCORE_ADJ_MIN = -1000;

export interface MemoryWatchdogOptions {
  /** The sandbox's memory limit: user code is killed when the sandbox's use reaches it. */
  readonly limitBytes: number;
  /**
   * How often the sandbox's memory use is sampled: the time the fastest allocator
   * (`growthBytesPerMs`) needs to reach the limit from the last sample, within these bounds. So an
   * idle sandbox is sampled a few times a second and one near its limit every `minIntervalMs`.
   */
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly growthBytesPerMs: number;
  /** The sandbox's memory in use now, in bytes; undefined when it cannot be read (that sample is skipped). */
  readonly usage: () => number | undefined;
  /** Every process with its resident memory and OOM preference; read only when a victim is chosen. */
  readonly processes: () => readonly ProcessMemory[];
  /** Whether `pid` still holds memory (alive and not a zombie). */
  readonly holdsMemory: (pid: number) => boolean;
  /** Sends SIGKILL. */
  readonly kill: (pid: number) => void;
  /** Never chosen, whatever they hold: the agent and the container's init. */
  readonly exempt: ReadonlySet<number>;
  /**
   * After a kill, no further kill for this long, and none while the victim still holds memory
   * (up to `victimExitMs`): its memory is on its way back, as with the kernel's OOM killer,
   * which does not choose again while its victim exits.
   */
  readonly settleMs: number;
  /** Past this, a victim that still holds memory no longer stops the next choice. */
  readonly victimExitMs: number;
  readonly logger: Logger;
  /** The clock (tests fake it). */
  readonly now?: () => number;
}

/**
 * The victim Linux's OOM killer would choose (`oom_badness` in mm/oom_kill.c): the most resident
 * memory, plus `oom_score_adj` thousandths of the limit, so user code (1000) goes long before
 * anything else; -1000 and `exempt` are never chosen, nor processes that hold nothing.
 */
export function chooseOomVictim(processes: readonly ProcessMemory[], limitBytes: number, exempt: ReadonlySet<number>): ProcessMemory | undefined {
  let victim: ProcessMemory | undefined;
  let worst = -Infinity;
  for (const candidate of processes) {
    if (exempt.has(candidate.pid) || candidate.oomScoreAdj <= OOM_SCORE_ADJ_MIN || candidate.rssBytes <= 0) continue;
    const badness = candidate.rssBytes + (candidate.oomScoreAdj * limitBytes) / 1000;
    if (badness > worst || (badness === worst && victim !== undefined && candidate.rssBytes > victim.rssBytes)) {
      victim = candidate;
      worst = badness;
    }
  }
  return victim;
}

/**
 * The sandbox's OOM killer where the kernel under it has none: gVisor's sentry holds all guest
 * memory, enforces no limit inside, and the host's OOM killer, seeing only the sentry, would end
 * the whole sandbox. This samples the sandbox's memory use (more often the nearer it is); at the limit it
 * SIGKILLs the process the kernel's OOM killer would have chosen and counts the kill, so that a
 * kernel's death reads as an OOM kill exactly as under runc (`SandboxMemory.oomKills`).
 * The host's limit sits above this one (the runner adds headroom for the sentry and for what a
 * fast allocator adds between two samples), so the watchdog acts first.
 */
export class MemoryWatchdog implements SandboxMemory {
  private kills = 0;
  private victim: { readonly pid: number; readonly at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set while use is at the limit and nothing can be killed, so that is logged once per episode. */
  private stuck = false;
  private readonly now: () => number;

  constructor(private readonly options: MemoryWatchdogOptions) {
    this.now = options.now ?? Date.now;
  }

  limitBytes(): number {
    return this.options.limitBytes;
  }

  oomKills(): number {
    return this.kills;
  }

  usageBytes(): number | undefined {
    return this.options.usage();
  }

  start(): void {
    if (this.timer) return;
    const loop = (delayMs: number): void => {
      this.timer = setTimeout(() => loop(this.nextDelay(this.safeCheck())), delayMs);
      // The watchdog alone must not keep the agent alive.
      this.timer.unref();
    };
    loop(this.options.minIntervalMs);
  }

  /** Until the next sample: as long as the fastest allocator needs to reach the limit, within the bounds. */
  nextDelay(usage: number | undefined): number {
    const { limitBytes, minIntervalMs, maxIntervalMs, growthBytesPerMs } = this.options;
    if (usage === undefined) return maxIntervalMs;
    return Math.min(maxIntervalMs, Math.max(minIntervalMs, Math.floor((limitBytes - usage) / growthBytesPerMs)));
  }

  /** `check()`, but a failure is logged and sampling goes on: an exception here must not end the agent. */
  private safeCheck(): number | undefined {
    try {
      return this.check().usage;
    } catch (error) {
      this.options.logger.error({ err: error }, 'memory watchdog sample failed; sampling on');
      return undefined;
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One sample, and a kill when it is at the limit: the use sampled and the pid killed, if any. */
  check(): { readonly usage: number | undefined; readonly killed?: number } {
    const { limitBytes, logger } = this.options;
    const usage = this.options.usage();
    if (usage === undefined || usage < limitBytes) {
      this.stuck = false;
      return { usage };
    }
    if (this.victim && this.stillSettling(this.victim)) return { usage };
    const victim = chooseOomVictim(this.options.processes(), limitBytes, this.options.exempt);
    if (!victim) {
      if (!this.stuck) logger.error({ usage, limit: limitBytes }, 'sandbox at its memory limit and no process can be killed');
      this.stuck = true;
      return { usage };
    }
    // Counted before the signal, so whoever sees the death finds the kill already counted.
    this.kills += 1;
    this.victim = { pid: victim.pid, at: this.now() };
    logger.warn(
      { pid: victim.pid, command: victim.name, rss: mib(victim.rssBytes), usage: mib(usage), limit: mib(limitBytes), oomKills: this.kills },
      'sandbox reached its memory limit: killed the largest user process (out of memory)',
    );
    try {
      this.options.kill(victim.pid);
    } catch (error) {
      // Gone already: its memory is coming back all the same.
      logger.debug({ err: error, pid: victim.pid }, 'OOM victim was already gone');
    }
    return { usage, killed: victim.pid };
  }

  private stillSettling(victim: { readonly pid: number; readonly at: number }): boolean {
    const elapsed = this.now() - victim.at;
    if (elapsed < this.options.settleMs) return true;
    return elapsed < this.options.victimExitMs && this.options.holdsMemory(victim.pid);
  }
}
