/**
 * Passes `source` through and, whenever it has been quiet for `intervalMs`, yields
 * `keepalive()` so proxies and clients do not drop an idle stream (envd's
 * `Keepalive-Ping-Interval`).
 */
export async function* withKeepalive<T>(
  source: AsyncIterable<T>,
  intervalMs: number,
  keepalive: () => T,
): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let pending = iterator.next();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<'idle'>((resolve) => {
        timer = setTimeout(() => resolve('idle'), intervalMs);
      });
      const result = await Promise.race([pending, idle]);
      clearTimeout(timer);
      if (result === 'idle') {
        yield keepalive();
        continue;
      }
      if (result.done) return;
      pending = iterator.next();
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** envd's default when the client sends no `Keepalive-Ping-Interval`. */
export const DEFAULT_KEEPALIVE_SECONDS = 90;

/** Reads `Keepalive-Ping-Interval` (seconds); a missing or bad value gives envd's default. */
export function keepaliveIntervalMs(header: string | null): number {
  const seconds = Number(header);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_KEEPALIVE_SECONDS) * 1000;
}
