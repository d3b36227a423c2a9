import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '@codebox/core-client';
import { useRunner } from '../support/use-runner.js';
import { clients } from './clients.js';
import { interpreterClients } from './interpreter-clients.js';

const runner = useRunner();

const CODE_INTERPRETER_PORT = 49999;
const USER_PORT = 8080;

/** A request to a sandbox port through the gateway, with exactly the credentials given (no SDK). */
const raw = (sandbox: Sandbox, port: number, path: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<Response> =>
  fetch(`${runner().url}${path}`, {
    ...init,
    headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(port), ...headers },
  });

const accessToken = (sandbox: Sandbox): string => (sandbox as unknown as { envdAccessToken?: string }).envdAccessToken ?? '';

/**
 * Issue 8, finding 3 (runner half): E2B's `network: { allowPublicTraffic: false }`. The sandbox
 * gets a `trafficAccessToken`, and every port but envd's demands it in
 * `E2B-Traffic-Access-Token`, the code interpreter's included.
 */
describe.each(interpreterClients)('allowPublicTraffic: false through the $name client', ({ module }) => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await module.Sandbox.create('code-interpreter-v1', { network: { allowPublicTraffic: false } });
  });
  afterAll(async () => {
    await sandbox?.kill();
  });

  it('hands out a traffic token, and the SDK’s runCode, contexts and commands work with it', async () => {
    expect(sandbox.trafficAccessToken).toMatch(/^[0-9a-f]{64}$/);
    expect((await sandbox.runCode('1 + 1')).text).toBe('2');
    const context = await sandbox.createCodeContext();
    await sandbox.runCode('x = 41', { context });
    expect((await sandbox.runCode('x + 1', { context })).text).toBe('42');
    expect((await sandbox.listCodeContexts()).map((c) => c.id)).toContain(context.id);
    await sandbox.restartCodeContext(context);
    await sandbox.removeCodeContext(context);
    expect((await sandbox.commands.run('echo envd')).stdout).toBe('envd\n');
  });

  it('answers 403 without the token, or with a wrong one, on 49999 (every path) and on user ports', async () => {
    const token = sandbox.trafficAccessToken ?? '';
    const wrong = token.replace(/^./, token.startsWith('0') ? '1' : '0');
    const probes: Array<[number, string, RequestInit]> = [
      [CODE_INTERPRETER_PORT, '/execute', { method: 'POST', body: JSON.stringify({ code: '1 + 1' }) }],
      [CODE_INTERPRETER_PORT, '/contexts', { method: 'GET' }],
      [CODE_INTERPRETER_PORT, '/contexts', { method: 'POST', body: '{}' }],
      [CODE_INTERPRETER_PORT, '/contexts/x/restart', { method: 'POST' }],
      [CODE_INTERPRETER_PORT, '/health', { method: 'GET' }],
      [USER_PORT, '/', { method: 'GET' }],
      [3000, '/anything?x=1', { method: 'GET' }],
    ];
    for (const [port, path, init] of probes) {
      for (const trafficHeader of [{}, { 'E2B-Traffic-Access-Token': wrong }, { 'E2B-Traffic-Access-Token': '' }] as Array<Record<string, string>>) {
        const res = await raw(sandbox, port, path, { 'X-Access-Token': accessToken(sandbox), 'Content-Type': 'application/json', ...trafficHeader }, init);
        expect(res.status, `${init.method} ${port}${path} with ${JSON.stringify(trafficHeader)}`).toBe(403);
        expect(await res.json()).toMatchObject({ code: 403, message: expect.stringContaining('E2B-Traffic-Access-Token') });
      }
    }
    // With the token the request reaches the sandbox: the agent's relay answers that nothing listens on the user port.
    const withToken = await raw(sandbox, USER_PORT, '/', { 'E2B-Traffic-Access-Token': token, 'X-Access-Token': accessToken(sandbox) });
    expect(withToken.status).toBe(502);
    expect(await withToken.json()).toMatchObject({ message: 'The sandbox is running but port is not open', port: USER_PORT });
    const contexts = await raw(sandbox, CODE_INTERPRETER_PORT, '/contexts', { 'E2B-Traffic-Access-Token': token });
    expect(contexts.status).toBe(200);
    // envd is governed by its own access token only, as on E2B.
    const envdHealth = await raw(sandbox, 49983, '/health');
    expect(envdHealth.ok).toBe(true);
  });
});

describe.each(clients)('network options through the $name client', ({ module }) => {
  it('keeps /contexts of a public sandbox reachable without any token, as before', async () => {
    const sandbox = await module.Sandbox.create('code-interpreter-v1');
    try {
      expect(sandbox.trafficAccessToken).toBeUndefined();
      const res = await raw(sandbox, CODE_INTERPRETER_PORT, '/contexts');
      expect(res.status).toBe(200);
    } finally {
      await sandbox.kill();
    }
  });

  it('refuses network fields Codebox does not enforce yet by name, instead of dropping them', async () => {
    const before = runner().containerIds().length;
    // Addresses, CIDRs, host names, transform rules and an upstream proxy are enforced
    // (test/conformance/network-policy, egress-transform, egress/egress-proxy.integration); deny lists never take names (as E2B).
    for (const [network, field] of [
      [{ denyOut: ['example.com'] }, 'network.denyOut'],
    ] as const) {
      const error = await module.Sandbox.create('base', { network: network as never }).then(
        async (sandbox) => {
          await sandbox.kill();
          return undefined;
        },
        (e: Error) => e,
      );
      expect(error?.message, JSON.stringify(network)).toContain(field);
    }
    expect(runner().containerIds().length).toBe(before);
  });

  it('gives allowInternetAccess: false no network device at all, and denyOut ["0.0.0.0/0"] a deny-all policy on the bridge', async () => {
    const interfaces = 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "';
    const offline = await module.Sandbox.create('base', { allowInternetAccess: false });
    const denied = await module.Sandbox.create('base', { network: { denyOut: ['0.0.0.0/0'] } });
    try {
      expect((await module.Sandbox.getInfo(offline.sandboxId)).allowInternetAccess).toBe(false);
      // Only loopback exists inside.
      expect((await offline.commands.run(interfaces)).stdout.trim()).toBe('lo');
      // On the bridge (so updateNetwork can open it later), with the policy denying everything.
      expect((await module.Sandbox.getInfo(denied.sandboxId)).allowInternetAccess).toBe(true);
      expect((await denied.commands.run(interfaces)).stdout.trim().split('\n')).not.toEqual(['lo']);
    } finally {
      await Promise.all([offline.kill(), denied.kill()]);
    }
  });
});
