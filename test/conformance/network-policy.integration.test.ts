import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Sandbox } from 'e2b';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../support/leak-check.js';
import { startNetnsTargets, type NetnsTargets, TARGETS_PROBE } from '../support/netns-targets.js';
import { useRunner } from '../support/use-runner.js';

/**
 * E2B's `network` egress rules (`allowOut`, `denyOut`) at create and through `updateNetwork`,
 * driven through the official `e2b` SDK. The targets are hosts this test makes in a network
 * namespace (../support/netns-targets.ts) inside TEST-NET-3, which the runner is told to treat
 * as global (CODEBOX_EGRESS_ALLOW), so an open sandbox reaches them and every refusal below is
 * the sandbox's own policy.
 */
const ALLOWED_RANGE = '203.0.113.64/27';
const T1 = '203.0.113.81';
const T2 = '203.0.113.82';
const TEMPLATE = 'code-interpreter-v1';

const runner = useRunner({ env: { CODEBOX_EGRESS_ALLOW: ALLOWED_RANGE } });

const PROBE = TARGETS_PROBE;
/** What a REJECT with tcp-reset looks like to the caller: refused at once, not a timeout. */
const REFUSED = 'error:111';

let targets: NetnsTargets | undefined;
const sandboxes: Sandbox[] = [];

beforeAll(async () => {
  targets = await startNetnsTargets({ addresses: [T1, T2] });
});

afterAll(async () => {
  await Promise.allSettled(sandboxes.map((sandbox) => sandbox.kill()));
  await targets?.close();
});

async function create(opts: Parameters<typeof Sandbox.create>[1] = {}): Promise<Sandbox> {
  const sandbox = await Sandbox.create(TEMPLATE, opts);
  sandboxes.push(sandbox);
  await sandbox.files.write('/home/user/probe.py', PROBE);
  return sandbox;
}

async function probe(sandbox: Sandbox, addresses: readonly string[] = [T1, T2]): Promise<Record<string, string>> {
  const run = await sandbox.commands.run(`python3 /home/user/probe.py '${JSON.stringify(addresses)}'`, { timeoutMs: 30_000 });
  return JSON.parse(run.stdout) as Record<string, string>;
}

function chainOf(sandboxId: string): string {
  const hash = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `CODEBOX-S${hash(sandboxId)}-${hash(runner().runnerName)}`;
}

const policyChain = (): string => `CODEBOX-POL-${createHash('sha256').update(runner().runnerName).digest('hex').slice(0, 8)}`;
const chainExists = (chain: string): boolean => execFileSync('iptables', ['-w', '-S'], { encoding: 'utf8' }).split('\n').includes(`-N ${chain}`);

/**
 * Every create option the official SDK (2.51) turns into a body field: honoured, or refused with a
 * 400 that names the field. None is accepted and ignored.
 */
describe('create options through the official SDK', () => {
  it('honours metadata, envs, timeout, lifecycle kill, and the network options it enforces', async () => {
    const sandbox = await create({
      metadata: { purpose: 'network-policy' },
      envs: { GREETING: 'hi' },
      timeoutMs: 120_000,
      allowInternetAccess: true,
      lifecycle: { onTimeout: 'kill' },
      network: { allowOut: [T1], denyOut: [T2], allowPublicTraffic: false, maskRequestHost: 'masked.example:${PORT}' },
    });
    expect(sandbox.trafficAccessToken).toEqual(expect.any(String));
    expect((await sandbox.commands.run('echo $GREETING')).stdout.trim()).toBe('hi');
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
    const detail = (await (await fetch(`${runner().url}/sandboxes/${sandbox.sandboxId}`, { headers: { 'X-API-KEY': runner().keys[0] } })).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({
      metadata: { purpose: 'network-policy' },
      network: { allowOut: [`${T1}/32`], denyOut: [`${T2}/32`], allowPublicTraffic: false, maskRequestHost: 'masked.example:${PORT}' },
    });
    expect(Date.parse(String(detail.endAt)) - Date.parse(String(detail.startedAt))).toBe(120_000);
  });

  const refused: ReadonlyArray<[name: string, opts: Record<string, unknown>, field: RegExp]> = [
    ['lifecycle pause (autoPause)', { lifecycle: { onTimeout: 'pause' } }, /autoPause/],
    ['lifecycle autoResume', { lifecycle: { onTimeout: 'pause', autoResume: true } }, /autoPause|autoResume/],
    ['mcp', { mcp: { 'github/owner/repo': { installCmd: 'true', runCmd: 'true' } } }, /mcp/],
    ['iam', { iam: { tokens: { aws: { audience: 'sts.amazonaws.com', tokenType: 'JWT-SVID' } } } }, /iam/],
    ['volumeMounts of a volume that does not exist', { volumeMounts: { '/mnt/data': 'no-such-volume' } }, /no-such-volume/],
    ['network.denyOut host name', { network: { denyOut: ['example.com'] } }, /denyOut/],
    ['network.httpsPorts', { network: { httpsPorts: [8443] } }, /httpsPorts/],
    ['network IPv6', { network: { denyOut: ['::/0'] } }, /IPv6/],
  ];
  it.each(refused)('refuses %s with a 400 naming it', async (_name, opts, field) => {
    await expect(Sandbox.create(TEMPLATE, opts as Parameters<typeof Sandbox.create>[1])).rejects.toThrow(field);
  });
});

describe('network policy at create', () => {
  it('an open sandbox reaches both targets (the control)', async () => {
    const sandbox = await create();
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: 'reached' });
  });

  it('denyOut 0.0.0.0/0 denies everything, fast, and keeps the network device', async () => {
    const sandbox = await create({ network: { denyOut: ['0.0.0.0/0'] } });
    expect(await probe(sandbox)).toEqual({ [T1]: REFUSED, [T2]: REFUSED });
    // Unlike allowInternetAccess: false, the sandbox sits on the bridge, so updateNetwork can open it later.
    const devices = (await sandbox.commands.run('cat /proc/net/dev')).stdout.split('\n').slice(2).map((line) => line.split(':')[0]?.trim()).filter(Boolean);
    expect(devices.filter((device) => device !== 'lo').length).toBeGreaterThan(0);
  });

  it('allowOut wins over denyOut: deny all but one /32', async () => {
    const sandbox = await create({ network: { denyOut: ['0.0.0.0/0'], allowOut: [`${T1}/32`] } });
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
  });

  it('denies one address and leaves the rest reachable', async () => {
    const sandbox = await create({ network: { denyOut: [T2] } });
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
  });

  it('an allowOut never opens the floor: the host itself stays unreachable', async () => {
    const host = targets?.hostAddress ?? '';
    const sandbox = await create({ network: { allowOut: [`${host}/32`], denyOut: ['0.0.0.0/0'] } });
    expect(await probe(sandbox, [host])).toEqual({ [host]: 'timeout' });
  });
});

describe('updateNetwork', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await create();
  });

  it('adds a deny, and an empty update clears every rule', async () => {
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: 'reached' });
    const started = performance.now();
    await sandbox.updateNetwork({ denyOut: [T1] });
    console.log(`updateNetwork (one deny) answered in ${Math.round(performance.now() - started)} ms`);
    expect(await probe(sandbox)).toEqual({ [T1]: REFUSED, [T2]: 'reached' });
    expect(chainExists(chainOf(sandbox.sandboxId))).toBe(true);

    await sandbox.updateNetwork({});
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: 'reached' });
  });

  it('opens a sandbox created with a deny-all policy', async () => {
    const closed = await create({ network: { denyOut: ['0.0.0.0/0'] } });
    expect(await probe(closed, [T1])).toEqual({ [T1]: REFUSED });
    await closed.updateNetwork({ allowOut: [T1], denyOut: ['0.0.0.0/0'] });
    expect(await probe(closed)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
  });

  it('answers 409 for a sandbox created with allowInternetAccess: false, saying why', async () => {
    const offline = await create({ allowInternetAccess: false });
    await expect(offline.updateNetwork({ denyOut: [] })).rejects.toThrow(/allow_internet_access: false/);
  });

  it('a restarted runner keeps enforcing the updated policy and can change it again', async () => {
    await sandbox.updateNetwork({ denyOut: [T2] });
    const policyFile = join(runner().dataDir, 'sandboxes', sandbox.sandboxId, 'network.json');
    expect(JSON.parse(readFileSync(policyFile, 'utf8'))).toMatchObject({ egress: { denyOut: [{ kind: 'cidr', cidr: `${T2}/32` }] } });
    await runner().restart();
    expect(await probe(sandbox)).toEqual({ [T1]: 'reached', [T2]: REFUSED });
    await sandbox.updateNetwork({ denyOut: [T1] });
    expect(await probe(sandbox)).toEqual({ [T1]: REFUSED, [T2]: 'reached' });
  });

  it('reports the policy in the sandbox detail (GET /sandboxes/{id})', async () => {
    const response = await fetch(`${runner().url}/sandboxes/${sandbox.sandboxId}`, { headers: { 'X-API-KEY': runner().keys[0] } });
    expect(await response.json()).toMatchObject({ allowInternetAccess: true, network: { denyOut: [`${T1}/32`], allowOut: [], allowPublicTraffic: true } });
  });

  it('destroying the sandbox removes its chain and jump', async () => {
    const chain = chainOf(sandbox.sandboxId);
    expect(chainExists(chain)).toBe(true);
    await sandbox.kill();
    expect(chainExists(chain)).toBe(false);
    expect(execFileSync('iptables', ['-w', '-S', policyChain()], { encoding: 'utf8' })).not.toContain(chain);
  });
});

describe('maskRequestHost', () => {
  it('shows the user’s server the mask, with ${PORT} replaced', async () => {
    const sandbox = await create({ network: { maskRequestHost: 'custom-host.example.com:${PORT}' } });
    await sandbox.commands.run(
      `python3 -c "
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (self.headers.get('Host') or '').encode()
        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
http.server.HTTPServer(('0.0.0.0', 8080), H).serve_forever()
"`,
      { background: true },
    );
    const hostSeen = async (port: number): Promise<string> => {
      const response = await fetch(`${runner().url}/`, { headers: { 'E2b-Sandbox-Id': sandbox.sandboxId, 'E2b-Sandbox-Port': String(port) } });
      return response.ok ? response.text() : `status ${response.status}`;
    };
    await expect.poll(() => hostSeen(8080), { timeout: 15_000 }).toBe('custom-host.example.com:8080');
  });
});

describe('cleanup', () => {
  it('leaves no policy chain or jump once every sandbox is gone', async () => {
    const ids = sandboxes.map((sandbox) => sandbox.sandboxId);
    await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.kill()));
    expect(execFileSync('iptables', ['-w', '-S', policyChain()], { encoding: 'utf8' }).trim()).toBe(`-N ${policyChain()}`);
    expect(findLeaks({ runnerName: runner().runnerName, dataDir: runner().dataDir, known: ids })).toEqual([]);
  });
});
