import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProcessMemory } from './guest-processes.js';
import { chooseOomVictim, MemoryWatchdog, type MemoryWatchdogOptions } from './memory-watchdog.js';
import { MiB } from './memory-units.js';

const LIMIT = 512 * MiB;
const AGENT = 7;
const INIT = 1;

const proc = (pid: number, rssMiB: number, oomScoreAdj = 1000, name = `p${pid}`): ProcessMemory => ({ pid, name, rssBytes: rssMiB * MiB, oomScoreAdj });

/** A sandbox the test drives: its memory use, its processes, and what the watchdog killed. */
function sandbox(overrides: Partial<MemoryWatchdogOptions> = {}) {
  const state = {
    usage: 100 * MiB as number | undefined,
    processes: [proc(INIT, 1, 0, 'docker-init'), proc(AGENT, 80, 500, 'node'), proc(20, 30), proc(21, 300)],
    killed: [] as number[],
    /** Victims that take long to exit. */
    lingering: new Set<number>(),
    /** The kill counter as each SIGKILL was sent. */
    countAtKill: [] as number[],
    /** What the usage drops to once a victim is gone (undefined: unchanged). */
    usageAfterKill: undefined as number | undefined,
  };
  const watchdog = new MemoryWatchdog({
    limitBytes: LIMIT,
    // With these, a sandbox at 100 MiB is sampled every 250 ms and one within 50 MiB of its limit every 50 ms.
    minIntervalMs: 50,
    maxIntervalMs: 250,
    growthBytesPerMs: 0.2 * MiB,
    usage: () => state.usage,
    processes: () => state.processes,
    holdsMemory: (pid) => state.processes.some((p) => p.pid === pid),
    kill: (pid) => {
      state.killed.push(pid);
      state.countAtKill.push(watchdog.oomKills());
      // The kill takes effect at once unless the test makes the victim linger.
      if (state.lingering.has(pid)) return;
      state.processes = state.processes.filter((p) => p.pid !== pid);
      if (state.usageAfterKill !== undefined) state.usage = state.usageAfterKill;
    },
    exempt: new Set([INIT, AGENT]),
    settleMs: 200,
    victimExitMs: 2_000,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  return { state, watchdog };
}

describe('chooseOomVictim', () => {
  it('chooses as the kernel does: most memory, weighted by oom_score_adj, never -1000 or the exempt', () => {
    const exempt = new Set([AGENT]);
    expect(chooseOomVictim([proc(2, 10), proc(3, 200), proc(4, 50)], LIMIT, exempt)?.pid).toBe(3);
    // User code (1000) goes before a far larger process at 0, which goes before one at -999.
    expect(chooseOomVictim([proc(2, 10), proc(3, 400, 0)], LIMIT, exempt)?.pid).toBe(2);
    expect(chooseOomVictim([proc(3, 400, -999), proc(4, 1, 0)], LIMIT, exempt)?.pid).toBe(4);
    expect(chooseOomVictim([proc(3, 400, -1000)], LIMIT, exempt)).toBeUndefined();
    expect(chooseOomVictim([proc(AGENT, 400)], LIMIT, exempt)).toBeUndefined();
    expect(chooseOomVictim([proc(5, 0)], LIMIT, exempt)).toBeUndefined();
    expect(chooseOomVictim([], LIMIT, exempt)).toBeUndefined();
  });
});

describe('MemoryWatchdog', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does nothing below the limit, and reads only the usage while there', () => {
    const processes = vi.fn(() => [proc(21, 300)]);
    const { state, watchdog } = sandbox({ processes });
    watchdog.start();
    state.usage = LIMIT - 1;
    vi.advanceTimersByTime(10_000);
    expect(state.killed).toEqual([]);
    expect(processes).not.toHaveBeenCalled();
    expect(watchdog.oomKills()).toBe(0);
    watchdog.stop();
  });

  it('kills the largest user process at the limit, counts the kill before the signal, and never the agent or init', () => {
    const { state, watchdog } = sandbox();
    watchdog.start();
    state.usage = LIMIT;
    state.usageAfterKill = 150 * MiB;
    vi.advanceTimersByTime(50);
    expect(state.killed).toEqual([21]);
    expect(watchdog.oomKills()).toBe(1);
    expect(state.countAtKill).toEqual([1]);
    vi.advanceTimersByTime(10_000);
    expect(state.killed).toEqual([21]);
    watchdog.stop();
  });

  it('kills one at a time: waits for the victim to exit and settle, then chooses again if still at the limit', () => {
    const { state, watchdog } = sandbox();
    state.lingering.add(21);
    state.usage = LIMIT + MiB;
    watchdog.start();
    vi.advanceTimersByTime(50);
    expect(state.killed).toEqual([21]);
    // Still there: no second victim while the first exits (up to victimExitMs).
    vi.advanceTimersByTime(1_000);
    expect(state.killed).toEqual([21]);
    state.processes = state.processes.filter((p) => p.pid !== 21);
    vi.advanceTimersByTime(50);
    // Gone, settled, and the sandbox is still at its limit: the next one goes.
    expect(state.killed).toEqual([21, 20]);
    expect(watchdog.oomKills()).toBe(2);
    watchdog.stop();
  });

  it('does not wait forever on a victim that does not exit', () => {
    const { state, watchdog } = sandbox();
    state.lingering.add(21);
    state.usage = LIMIT;
    watchdog.start();
    vi.advanceTimersByTime(50);
    vi.advanceTimersByTime(1_900);
    expect(state.killed).toEqual([21]);
    vi.advanceTimersByTime(100);
    // Past victimExitMs the choice is made again; the lingering one is still the largest.
    expect(state.killed).toEqual([21, 21]);
    watchdog.stop();
  });

  it('settles after a kill even when the victim is gone at once (its memory is still being returned)', () => {
    const { state, watchdog } = sandbox();
    state.usage = LIMIT;
    watchdog.start();
    vi.advanceTimersByTime(50);
    expect(state.killed).toEqual([21]);
    vi.advanceTimersByTime(150);
    expect(state.killed).toEqual([21]);
    vi.advanceTimersByTime(100);
    expect(state.killed).toEqual([21, 20]);
    watchdog.stop();
  });

  it('skips samples it cannot read and logs once when nothing can be killed', () => {
    const error = vi.fn();
    const logger = pino({ level: 'silent' });
    logger.error = error as unknown as typeof logger.error;
    const { state, watchdog } = sandbox({ logger });
    state.usage = undefined;
    watchdog.start();
    vi.advanceTimersByTime(1_000);
    expect(state.killed).toEqual([]);
    state.processes = [proc(INIT, 1, 0), proc(AGENT, 500, 500)];
    state.usage = LIMIT;
    vi.advanceTimersByTime(1_000);
    expect(state.killed).toEqual([]);
    expect(error).toHaveBeenCalledTimes(1);
    watchdog.stop();
  });

  it('samples rarely far from the limit and every minIntervalMs near it', () => {
    const usage = vi.fn(() => 100 * MiB);
    const { watchdog } = sandbox({ usage });
    expect([undefined, 100 * MiB, LIMIT - 20 * MiB, LIMIT - MiB, LIMIT + MiB].map((u) => watchdog.nextDelay(u))).toEqual([250, 250, 100, 50, 50]);
    watchdog.start();
    vi.advanceTimersByTime(10_050);
    // 50 ms to the first sample, then 250 ms apart: a few reads a second while idle.
    expect(usage).toHaveBeenCalledTimes(41);
    watchdog.stop();
  });

  it('catches an allocator no faster than growthBytesPerMs before it passes the limit by more than one short interval', () => {
    const { state, watchdog } = sandbox();
    state.usageAfterKill = 100 * MiB;
    let allocated = 100 * MiB;
    const peak = { bytes: 0 };
    // 0.2 MiB/ms, from 100 MiB: reaches the limit after about 2 s.
    const grow = setInterval(() => {
      if (state.killed.length > 0) return;
      allocated += 2 * MiB;
      state.usage = allocated;
      peak.bytes = Math.max(peak.bytes, allocated);
    }, 10);
    watchdog.start();
    vi.advanceTimersByTime(5_000);
    clearInterval(grow);
    expect(state.killed).toEqual([21]);
    expect(peak.bytes).toBeLessThanOrEqual(LIMIT + 50 * 0.2 * MiB);
    watchdog.stop();
  });

  it('survives a failing sample: logs it and samples on', () => {
    let fail = true;
    const { state, watchdog } = sandbox({
      usage: () => {
        if (fail) throw new Error('EIO');
        return state.usage;
      },
    });
    state.usage = LIMIT;
    state.usageAfterKill = 100 * MiB;
    watchdog.start();
    vi.advanceTimersByTime(1_000);
    expect(state.killed).toEqual([]);
    fail = false;
    vi.advanceTimersByTime(300);
    expect(state.killed).toEqual([21]);
    watchdog.stop();
  });

  it('answers as the sandbox memory the interpreter reads', () => {
    const { watchdog } = sandbox();
    expect(watchdog.limitBytes()).toBe(LIMIT);
    expect(watchdog.oomKills()).toBe(0);
  });
});
