import { rssOf } from '../../memory/guest-processes.js';
import { CgroupMemory } from '../../memory/cgroup-memory.js';
import type { SandboxMemory } from '../../memory/sandbox-memory.js';

/** One kernel as the memory report names it. */
export interface KernelMemoryEntry {
  /** e.g. `python context 3f2a…`. */
  readonly label: string;
  /** The bridge's pid while it runs. */
  pid(): number | undefined;
}

/** What a kernel held, for an out-of-memory report. */
export interface KernelHolding {
  readonly label: string;
  readonly rssBytes: number;
}

/** The verdict on a kernel killed by SIGKILL. */
export interface OomVerdict {
  /** The sandbox's memory limit, when known. */
  readonly limitBytes: number | undefined;
  /** Every kernel's resident memory, largest first; the dead one as last sampled. */
  readonly holdings: readonly KernelHolding[];
}

/**
 * The kernels of one sandbox and what memory they hold, so that a kernel killed by the OOM
 * killer is reported as that, with who held how much. Resident memory is sampled cheaply
 * (`VmRSS` of `/proc/<pid>/status`, one small read) by each kernel while it executes and when an
 * execution ends, because a dead process can no longer be read; live kernels are read at the
 * moment of the report.
 */
export class KernelMemory {
  private readonly entries = new Set<KernelMemoryEntry>();
  private readonly lastRss = new WeakMap<KernelMemoryEntry, number>();
  /** The most recent reading, whatever the period. */
  private readonly latestRss = new WeakMap<KernelMemoryEntry, number>();
  /** The `oom_kill` count already explained by a reported death: each kill is blamed once. */
  private claimedOomKills = 0;

  constructor(readonly sandbox: SandboxMemory = new CgroupMemory()) {}

  register(entry: KernelMemoryEntry): void {
    this.entries.add(entry);
  }

  unregister(entry: KernelMemoryEntry): void {
    this.entries.delete(entry);
  }

  /** The OOM-kill counter now, to be compared later by `oomVerdict` (undefined when the sandbox cannot tell). */
  oomKills(): number | undefined {
    return this.sandbox.oomKills();
  }

  /** Records the entry's current resident memory; keeps the largest seen since `resetSample`. */
  sample(entry: KernelMemoryEntry): void {
    const rss = rssOf(entry.pid());
    if (rss === undefined) return;
    this.latestRss.set(entry, rss);
    this.lastRss.set(entry, Math.max(rss, this.lastRss.get(entry) ?? 0));
  }

  /** Starts a new sampling period for the entry's new process, from a fresh reading. */
  resetSample(entry: KernelMemoryEntry): void {
    this.lastRss.delete(entry);
    this.latestRss.delete(entry);
    this.sample(entry);
  }

  /**
   * Starts a new sampling period for an execution, from the reading the previous one ended with
   * (an idle kernel barely changes): one `/proc` read less per execution.
   */
  startExecution(entry: KernelMemoryEntry): void {
    const latest = this.latestRss.get(entry);
    if (latest === undefined) {
      this.resetSample(entry);
      return;
    }
    this.lastRss.set(entry, latest);
  }

  /**
   * Whether `entry`'s process, just killed by SIGKILL, was killed by the OOM killer: the sandbox's
   * OOM-kill counter (the cgroup's `oom_kill` under runc, the watchdog's under gVisor) moved past
   * both the value when the process started and the kills already blamed on other deaths.
   * Undefined when it was not (or the sandbox cannot tell). The kernel bumps its counter just
   * after sending the SIGKILL, so call this a moment after the exit.
   */
  oomVerdict(entry: KernelMemoryEntry, oomKillsAtStart: number | undefined): OomVerdict | undefined {
    const now = this.sandbox.oomKills();
    if (now === undefined || oomKillsAtStart === undefined) return undefined;
    const explained = Math.max(oomKillsAtStart, this.claimedOomKills);
    if (now <= explained) return undefined;
    // One kill per death: one OOM episode can kill several kernels, each of which asks here.
    this.claimedOomKills = explained + 1;
    const limitBytes = this.sandbox.limitBytes();
    const holdings: KernelHolding[] = [];
    let othersBytes = process.memoryUsage.rss();
    for (const other of this.entries) {
      if (other === entry) continue;
      const rss = rssOf(other.pid());
      if (rss === undefined || rss <= 0) continue;
      holdings.push({ label: other.label, rssBytes: rss });
      othersBytes += rss;
    }
    // A cell can grow by hundreds of MiB between two samples; at the kill the sandbox was at its
    // limit, so what the others (and the agent) did not hold is the better estimate of the victim.
    const sampled = this.lastRss.get(entry) ?? 0;
    const estimate = limitBytes === undefined ? sampled : Math.max(sampled, limitBytes - othersBytes);
    if (estimate > 0) holdings.push({ label: entry.label, rssBytes: estimate });
    holdings.sort((a, b) => b.rssBytes - a.rssBytes);
    return { limitBytes, holdings };
  }
}
