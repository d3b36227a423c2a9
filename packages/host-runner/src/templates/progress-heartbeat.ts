import type { Logger } from 'pino';

/**
 * Logs `message` at info every `intervalMs` while `work` runs. A rootfs build is one step of
 * several minutes (debootstrap of R and a JDK) whose own output is debug-level; without this an
 * operator sees nothing for minutes and cannot tell a slow build from a hung one.
 */
export async function withHeartbeat<T>(logger: Logger, message: string, intervalMs: number, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const timer = setInterval(() => logger.info({ elapsedMs: Date.now() - started }, message), intervalMs);
  // A heartbeat alone must never keep the process alive.
  timer.unref();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
