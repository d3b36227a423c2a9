import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import { rawRequest } from '../support/raw-http.js';
import { useRunner } from '../support/use-runner.js';

const HEADERS_TIMEOUT_S = 4;
const BODY_IDLE_TIMEOUT_S = 3;
const PER_CLIENT = 200;

const runner = useRunner({
  env: {
    CODEBOX_HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_S),
    CODEBOX_BODY_IDLE_TIMEOUT_SECONDS: String(BODY_IDLE_TIMEOUT_S),
    CODEBOX_MAX_CONNECTIONS_PER_CLIENT: String(PER_CLIENT),
    CODEBOX_MAX_CONNECTIONS: '2000',
  },
});

/** The flooding "client": another loopback address, so the runner sees two clients. */
const FLOOD_FROM = '127.0.0.2';
const FLOOD_SIZE = 3000;

const openFds = (): number => readdirSync(`/proc/${runner().pid()}/fd`).length;

/**
 * Issue 8, finding 9: thousands of half-sent requests from one client used to pile up until the
 * runner ran out of file descriptors. One client now holds at most its share of connections,
 * half-sent headers are cut at the header timeout, and every other client keeps working.
 */
describe('connection floods', () => {
  let bystander: Sandbox;
  beforeAll(async () => {
    bystander = await Sandbox.create('base');
  });
  afterAll(async () => {
    await bystander?.kill();
  });

  it('bounds one client’s half-sent requests, keeps serving others, and closes them at the header timeout', async () => {
    const fdsBefore = openFds();
    const sockets: Socket[] = [];
    const closedAt: number[] = [];
    const started = Date.now();
    for (let i = 0; i < FLOOD_SIZE; i++) {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(runner().url).port), localAddress: FLOOD_FROM });
      socket.on('error', () => undefined);
      // Read (and drop) what the runner sends, or this end would never notice the runner closing.
      socket.resume();
      socket.on('close', () => closedAt.push(Date.now() - started));
      // Headers never finished: half the flood at the control plane, half at the gateway.
      socket.write(i % 2 === 0 ? 'GET /v2/sandboxes HTTP/1.1\r\nHost: x\r\n' : `GET /health HTTP/1.1\r\nHost: x\r\nE2b-Sandbox-Id: ${bystander.sandboxId}\r\n`);
      sockets.push(socket);
      if (i % 250 === 0) await new Promise((r) => setImmediate(r));
    }
    // The runner refuses what is over the per-client cap at once (well before the header timeout).
    const refusedBy = Date.now() + (HEADERS_TIMEOUT_S - 1) * 1000;
    while (closedAt.length < FLOOD_SIZE - PER_CLIENT && Date.now() < refusedBy) await new Promise((r) => setTimeout(r, 100));
    expect(closedAt.length).toBeGreaterThanOrEqual(FLOOD_SIZE - PER_CLIENT);
    expect(closedAt.length).toBeLessThan(FLOOD_SIZE);
    expect(openFds()).toBeLessThan(fdsBefore + PER_CLIENT + 50);

    // Meanwhile another client creates and uses a sandbox as usual.
    const other = await Sandbox.create('base');
    try {
      expect((await other.commands.run('echo served')).stdout).toBe('served\n');
      expect((await bystander.commands.run('echo served')).stdout).toBe('served\n');
    } finally {
      await other.kill();
    }

    // The half-sent ones are closed by the runner at the header timeout (checked every second).
    const deadline = Date.now() + (HEADERS_TIMEOUT_S + 10) * 1000;
    while (closedAt.length < FLOOD_SIZE && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(closedAt.length).toBe(FLOOD_SIZE);
    expect(Math.max(...closedAt)).toBeLessThan((HEADERS_TIMEOUT_S + 5) * 1000);
    for (const socket of sockets) socket.destroy();

    // Nothing left behind in the runner.
    await new Promise((r) => setTimeout(r, 500));
    expect(openFds()).toBeLessThanOrEqual(fdsBefore + 10);
    expect(runner().alive()).toBe(true);
  });

  it('answers a half-sent request 408 at the header timeout', async () => {
    const answer = await rawRequest(runner().url, 'GET /v2/sandboxes HTTP/1.1\r\nHost: x\r\n', { waitMs: (HEADERS_TIMEOUT_S + 5) * 1000 });
    expect(answer.status).toBe(408);
    expect(answer.text).toContain('"code":408');
  });

  it('cuts a stalled body upload, to the control plane and through the gateway', async () => {
    for (const headers of [
      `POST /sandboxes HTTP/1.1\r\nHost: x\r\nX-API-KEY: ${runner().keys[0]}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"templ`,
      `POST /files?path=/tmp/x HTTP/1.1\r\nHost: x\r\nE2b-Sandbox-Id: ${bystander.sandboxId}\r\nX-Access-Token: ${(bystander as unknown as { envdAccessToken?: string }).envdAccessToken ?? ''}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\nabc`,
    ]) {
      const startedAt = Date.now();
      const answer = await rawRequest(runner().url, headers, { waitMs: (BODY_IDLE_TIMEOUT_S + 10) * 1000 });
      const tookMs = Date.now() - startedAt;
      // Closed by the runner (with or without a 408, depending on whether a response had begun), not by our wait.
      expect(tookMs).toBeLessThan((BODY_IDLE_TIMEOUT_S + 8) * 1000);
      if (answer.status !== undefined) expect([408, 400, 500, 502]).toContain(answer.status);
    }
    expect((await bystander.commands.run('echo ok')).stdout).toBe('ok\n');
  });

  it('never times out a long response: a command streaming for longer than every timeout completes', async () => {
    const wait = HEADERS_TIMEOUT_S + BODY_IDLE_TIMEOUT_S + 3;
    const result = await bystander.commands.run(`sleep ${wait}; echo finished`, { timeoutMs: (wait + 30) * 1000 });
    expect(result.stdout).toBe('finished\n');
  });
});
