import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withBuildLock } from './build-lock.js';
import { TemplateLockTimeoutError } from './errors.js';

const logger = pino({ level: 'silent' });
let dir: string;
let lock: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'codebox-lock-'));
  lock = join(dir, 'templates.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function lockFile(pid: number, host = hostname()): string {
  return `${JSON.stringify({ pid, host, since: '2026-01-01T00:00:00.000Z', token: 'other' })}\n`;
}

const quick = { timeoutMs: 5_000, pollMs: 10, logger };

describe('withBuildLock', () => {
  it('holds a file naming this process while running, and removes it afterwards', async () => {
    const seen = await withBuildLock(lock, quick, async () => JSON.parse(await readFile(lock, 'utf8')) as { pid: number; host: string });
    expect(seen).toMatchObject({ pid: process.pid, host: hostname() });
    expect(await readdir(dir)).toEqual([]);
  });

  it('serialises concurrent callers', async () => {
    const events: string[] = [];
    const task = (name: string) =>
      withBuildLock(lock, quick, async () => {
        events.push(`${name} start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        events.push(`${name} end`);
      });
    await Promise.all([task('a'), task('b'), task('c')]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]?.replace('start', 'end'));
    expect(await readdir(dir)).toEqual([]);
  });

  it('releases the lock when the work fails', async () => {
    await expect(withBuildLock(lock, quick, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock whose pid is dead on this host', async () => {
    await writeFile(lock, lockFile(deadPid()));
    expect(await withBuildLock(lock, quick, async () => 'ran')).toBe('ran');
    expect(await readdir(dir)).toEqual([]);
  });

  it('waits for a live holder and then times out with a typed error naming it and the file', async () => {
    await writeFile(lock, lockFile(process.ppid));
    const started = Date.now();
    const error = await withBuildLock(lock, { ...quick, timeoutMs: 300 }, async () => 'ran').catch((err: unknown) => err);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(error).toBeInstanceOf(TemplateLockTimeoutError);
    expect((error as Error).name).toBe('TemplateLockTimeoutError');
    expect((error as Error).message).toContain(`held by pid ${process.ppid} on ${hostname()}`);
    expect((error as Error).message).toContain(`delete ${lock}`);
    expect(await readFile(lock, 'utf8')).toBe(lockFile(process.ppid));
  });

  it('never breaks a lock of another host, whose pids it cannot check', async () => {
    await writeFile(lock, lockFile(deadPid(), 'some-other-host'));
    await expect(withBuildLock(lock, { ...quick, timeoutMs: 100 }, async () => 'ran')).rejects.toBeInstanceOf(TemplateLockTimeoutError);
  });

  it('treats an unreadable lock file as a holder mid-write while young and as stale when old', async () => {
    await writeFile(lock, '');
    await expect(withBuildLock(lock, { ...quick, timeoutMs: 100 }, async () => 'ran')).rejects.toThrow(/unreadable lock file/);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect(await withBuildLock(lock, quick, async () => 'ran')).toBe('ran');
  });

  it('leaves a lock alone that was replaced while held', async () => {
    await withBuildLock(lock, quick, async () => {
      await writeFile(lock, lockFile(process.ppid));
    });
    expect(await readFile(lock, 'utf8')).toBe(lockFile(process.ppid));
  });
});
