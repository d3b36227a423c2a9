import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { waitForAgentHealth } from './agent-health.js';

const dir = await mkdtemp(join(tmpdir(), 'codebox-health-'));
afterAll(() => rm(dir, { recursive: true, force: true }));
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

function serve(socket: string, statuses: number[]): Promise<void> {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? (statuses.shift() ?? 204) : 404).end();
  });
  return new Promise((r) => server?.listen(socket, r));
}

const running = async () => true;

describe('waitForAgentHealth', () => {
  it('waits through non-2xx answers until the agent is healthy', async () => {
    const socket = join(dir, 'a.sock');
    await serve(socket, [503, 503]);
    expect(await waitForAgentHealth(socket, { timeoutMs: 2000, intervalMs: 10, stillRunning: running })).toEqual({ healthy: true });
  });

  it('times out with the last error when the socket never appears', async () => {
    const result = await waitForAgentHealth(join(dir, 'missing.sock'), { timeoutMs: 100, intervalMs: 20, stillRunning: running });
    expect(result).toMatchObject({ healthy: false, reason: 'timeout' });
    expect(!result.healthy && result.lastError).toMatch(/ENOENT/);
  });

  it('asks whether the container still runs at most every stillRunningEveryMs', async () => {
    let asked = 0;
    const result = await waitForAgentHealth(join(dir, 'never.sock'), {
      timeoutMs: 300,
      intervalMs: 5,
      stillRunningEveryMs: 100,
      stillRunning: async () => {
        asked++;
        return true;
      },
    });
    expect(result).toMatchObject({ healthy: false, reason: 'timeout' });
    // At the first failed probe, then about every 100 ms (and once more near the deadline): not every 5 ms.
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(6);
  });

  it('gives up at once when the container stopped', async () => {
    const socket = join(dir, 'b.sock');
    await serve(socket, [500, 500, 500]);
    const result = await waitForAgentHealth(socket, { timeoutMs: 5000, intervalMs: 10, stillRunning: async () => false });
    expect(result).toEqual({ healthy: false, reason: 'exited', lastError: 'GET /health answered 500' });
  });
});
