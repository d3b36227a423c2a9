import { request } from 'node:http';

/** One GET /health over the agent's unix socket; resolves with the status code. */
export function probeAgentHealth(socketPath: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/health', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface WaitForHealthOptions {
  timeoutMs: number;
  /** Between probes: a probe of a socket not there yet is a failed connect, cheap, so this can be short. */
  intervalMs: number;
  /** Checked between probes, at most every `stillRunningEveryMs`, so a crashed container fails fast instead of at the timeout. */
  stillRunning: () => Promise<boolean>;
  /** Default 250 ms: `stillRunning` is a Docker call, which 25 creates at once must not multiply. */
  stillRunningEveryMs?: number;
}

export type HealthWaitResult = { healthy: true } | { healthy: false; reason: 'timeout' | 'exited'; lastError: string };

/** Polls /health until it answers 2xx, the container stops, or the time is up. */
export async function waitForAgentHealth(socketPath: string, options: WaitForHealthOptions): Promise<HealthWaitResult> {
  const deadline = Date.now() + options.timeoutMs;
  const checkEveryMs = options.stillRunningEveryMs ?? 250;
  let lastError = 'socket not created yet';
  // The first failed probe checks at once: a container that exited at start fails fast.
  let checkedAt = 0;
  for (;;) {
    try {
      const status = await probeAgentHealth(socketPath, Math.min(2000, Math.max(1, deadline - Date.now())));
      if (status >= 200 && status < 300) return { healthy: true };
      lastError = `GET /health answered ${status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() - checkedAt >= checkEveryMs || Date.now() + options.intervalMs > deadline) {
      checkedAt = Date.now();
      if (!(await options.stillRunning())) return { healthy: false, reason: 'exited', lastError };
    }
    if (Date.now() + options.intervalMs > deadline) return { healthy: false, reason: 'timeout', lastError };
    await new Promise((r) => setTimeout(r, options.intervalMs));
  }
}
