import { randomUUID } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { TemplateLockTimeoutError } from './errors.js';

export interface BuildLockOptions {
  /** How long to wait for another holder before giving up with TemplateLockTimeoutError. */
  timeoutMs: number;
  /** How often a waiter looks at the lock again. */
  pollMs?: number;
  logger: Logger;
}

/** What the lock file holds: enough to tell whether its holder still lives, and to print it. */
interface Holder {
  pid: number;
  host: string;
  since: string;
  /** Unique per acquisition, so a holder never releases a lock that is no longer its own. */
  token: string;
}

/**
 * A lock file is written right after it is created; an empty or unreadable one younger than
 * this is a holder between those two steps, older it is the leftover of a crash.
 */
const UNWRITTEN_GRACE_MS = 10_000;

/**
 * Runs `run` while holding an exclusive advisory lock: a file created with O_EXCL that holds the
 * owner's pid. Another process (or another TemplateStore in this one) waits until it is free.
 * A lock whose pid is dead on this host is stale (the holder crashed) and is taken over.
 */
export async function withBuildLock<T>(path: string, options: BuildLockOptions, run: () => Promise<T>): Promise<T> {
  const holder = await acquire(path, options);
  try {
    return await run();
  } finally {
    await release(path, holder, options.logger);
  }
}

async function acquire(path: string, options: BuildLockOptions): Promise<Holder> {
  const { timeoutMs, pollMs = 250, logger } = options;
  const deadline = Date.now() + timeoutMs;
  const me: Holder = { pid: process.pid, host: hostname(), since: '', token: randomUUID() };
  let announced = false;
  for (;;) {
    if (await tryCreate(path, me)) return me;
    const current = await readHolder(path);
    if (current === 'gone') continue;
    if (await isStale(path, current)) {
      logger.warn({ lock: path, holder: current.text }, 'template build lock: holder is gone; taking the lock over');
      await breakStaleLock(path, current.text);
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new TemplateLockTimeoutError(path, timeoutMs, describe(current));
    if (!announced) {
      logger.info({ lock: path, holder: describe(current) }, 'template build lock: another build is running; waiting');
      announced = true;
    }
    await sleep(Math.min(pollMs, left));
  }
}

async function tryCreate(path: string, me: Holder): Promise<boolean> {
  let file;
  try {
    file = await open(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    me.since = new Date().toISOString();
    await file.writeFile(`${JSON.stringify(me)}\n`);
  } finally {
    await file.close();
  }
  return true;
}

type Observed = { text: string; holder: Holder | undefined; mtimeMs: number };

async function readHolder(path: string): Promise<Observed | 'gone'> {
  try {
    const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { text, holder: parseHolder(text), mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.token === 'string') return value as Holder;
  } catch {
    // Half-written or foreign content; judged by age in isStale.
  }
  return undefined;
}

async function isStale(path: string, observed: Observed): Promise<boolean> {
  const { holder } = observed;
  if (!holder) return Date.now() - observed.mtimeMs > UNWRITTEN_GRACE_MS;
  // A pid on another host (a data dir on shared storage) cannot be checked; it times out instead.
  if (holder.host !== hostname()) return false;
  return !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale file aside instead of unlinking it: two waiters may both judge it stale, and
 * the slower one must not delete the lock the faster one has created meanwhile. rename is
 * atomic, so exactly one waiter moves any given file; if what it moved is not the stale lock
 * it judged, it links that lock back.
 */
async function breakStaleLock(path: string, staleText: string): Promise<void> {
  const aside = `${path}.stale-${process.pid}-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    if ((await readFile(aside, 'utf8')) !== staleText) await link(aside, path).catch(() => undefined);
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}

async function release(path: string, me: Holder, logger: Logger): Promise<void> {
  const current = await readHolder(path);
  if (current !== 'gone' && current.holder?.token === me.token) {
    await unlink(path);
    return;
  }
  logger.warn({ lock: path }, 'template build lock was removed or taken over while held; leaving it alone');
}

function describe(observed: Observed): string {
  const h = observed.holder;
  return h ? `pid ${h.pid} on ${h.host} since ${h.since}` : `an unreadable lock file (${JSON.stringify(observed.text.slice(0, 80))})`;
}
