import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox } from '@codebox/core-client';
import { startNetnsTargets, type NetnsTargets, TARGETS_PROBE } from '../support/netns-targets.js';
import { useRunner } from '../support/use-runner.js';

/**
 * The sandbox's view of the network: only globally routable unicast addresses, never the host or
 * a network the host sits on, DNS only through the runner's forwarder. Every target is a host
 * this test builds (../support/netns-targets.ts); the "upstream" resolver is a server on
 * loopback. The one documentation prefix the runner is told to treat as global
 * (198.51.100.128/25, CODEBOX_EGRESS_ALLOW) is the control: it shows an allowed destination is
 * reached, so the blocked ones are blocked by the filter and not by a broken fixture.
 */
const CONTROL = '198.51.100.200';
// The link between the host and the targets' namespace: inside the allowed /25, yet on the host's link.
const LINK_NETWORK = '198.51.100.248/30';
const LINK_HOST = '198.51.100.249';
const LINK_PEER = '198.51.100.250';
const SPECIAL_PURPOSE_TARGETS = [
  '198.18.0.1', // benchmarking, 198.18.0.0/15
  '198.19.255.1',
  '192.0.0.8', // IETF protocol assignments
  '198.51.100.1', // TEST-NET-2, outside the exception
  '203.0.113.1', // TEST-NET-3
  '240.0.0.1', // reserved
  '100.64.0.1', // CGNAT
  '10.213.77.1',
  '172.16.213.1',
  '192.168.213.1',
  '169.254.213.1', // link-local, where cloud metadata lives
];
// 192.0.2.0/24 (TEST-NET-1) is this machine's real LAN: no address in it is ours to probe.

const upstreamQueries: string[] = [];
const upstream = createSocket('udp4');
upstream.on('message', (message, remote) => {
  try {
    const query = dnsPacket.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    upstreamQueries.push(question.name);
    const known = question.name.endsWith('.codebox.test') && question.type === 'A';
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: dnsPacket.RECURSION_AVAILABLE | (known ? 0 : 3),
      questions: [question],
      answers: known ? [{ type: 'A', name: question.name, ttl: 60, data: '203.0.113.7' }] : [],
    });
    upstream.send(reply, remote.port, remote.address);
  } catch {
    // not a query
  }
});
await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', () => resolve()));

const runner = useRunner({
  env: { CODEBOX_EGRESS_ALLOW: '198.51.100.128/25', CODEBOX_DNS_UPSTREAMS: `127.0.0.1:${upstream.address().port}` },
});

const PROBE = TARGETS_PROBE;

const UDP_DNS_PROBE = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
query = bytes.fromhex("1234010000010000000000000570726f626507636f6465626f7804746573740000010001")
s.sendto(query, (sys.argv[1], 53))
try:
    s.recvfrom(512)
    print("answered")
except socket.timeout:
    print("timeout")
`;

function chainName(runnerName: string): string {
  return `CODEBOX-NET-${createHash('sha256').update(runnerName).digest('hex').slice(0, 8)}`;
}

describe('egress: only globally routable unicast, never the host or its networks', () => {
  let sandbox: Sandbox;
  let targets: NetnsTargets | undefined;

  beforeAll(async () => {
    sandbox = await Sandbox.create('code-interpreter-v1');
    await sandbox.files.write('/home/user/probe.py', PROBE);
    await sandbox.files.write('/home/user/udp53.py', UDP_DNS_PROBE);
    // Made after the runner started: the firewall must notice the new connected network itself.
    targets = await startNetnsTargets({ link: LINK_NETWORK, addresses: [CONTROL, ...SPECIAL_PURPOSE_TARGETS] });
    expect([targets.hostAddress, targets.peerAddress]).toEqual([LINK_HOST, LINK_PEER]);
    const deadline = Date.now() + 15_000;
    while (!execFileSync('iptables', ['-w', '-S', chainName(runner().runnerName)], { encoding: 'utf8' }).includes(LINK_NETWORK)) {
      if (Date.now() > deadline) throw new Error(`the runner did not add ${LINK_NETWORK} to its host-network chain`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await targets?.close();
    upstream.close();
    await sandbox?.kill();
  });

  const probe = async (addresses: string[]): Promise<Record<string, string>> => {
    const run = await sandbox.commands.run(`python3 /home/user/probe.py '${JSON.stringify(addresses)}'`, { timeoutMs: 30_000 });
    return JSON.parse(run.stdout) as Record<string, string>;
  };

  it('reaches an address treated as global (the control)', async () => {
    expect(await probe([CONTROL])).toEqual({ [CONTROL]: 'reached' });
  });

  it('cannot reach any special-purpose range, even with a route to it', async () => {
    const results = await probe(SPECIAL_PURPOSE_TARGETS);
    for (const target of SPECIAL_PURPOSE_TARGETS) expect({ target, result: results[target] }).toEqual({ target, result: 'timeout' });
  });

  it('cannot reach a network the host is directly connected to, even one treated as global', async () => {
    // 198.51.100.250 is inside the allowed 198.51.100.128/25, but it sits on the host's link.
    expect(await probe([LINK_PEER])).toEqual({ [LINK_PEER]: 'timeout' });
  });

  it('cannot reach the host at any of its addresses, on any interface', async () => {
    const hostAddresses = execFileSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => /inet (\d+\.\d+\.\d+\.\d+)\//.exec(line)?.[1])
      .filter((a): a is string => a !== undefined && !a.startsWith('127.'));
    expect(hostAddresses).toContain(LINK_HOST);
    const results = await probe(hostAddresses);
    // Nothing listens on the host's TCP 8080, so "error:111" (refused) would mean a packet got in.
    for (const address of hostAddresses) expect({ address, result: results[address] }).toEqual({ address, result: 'timeout' });
  });

  it('sends DNS only to the runner: direct UDP/53 to another server is dropped', async () => {
    // The control address answers UDP/53 (an echo server) and is reachable over TCP, yet DNS to it is dropped.
    expect((await sandbox.commands.run(`python3 /home/user/udp53.py ${CONTROL}`, { timeoutMs: 15_000 })).stdout.trim()).toBe('timeout');
  });

  it('resolves through the runner’s forwarder, which asks the configured upstream', async () => {
    const lookup = await sandbox.commands.run('getent hosts probe.codebox.test');
    expect(lookup.stdout).toMatch(/^203\.0\.113\.7\s+probe\.codebox\.test/);
    expect(upstreamQueries).toContain('probe.codebox.test');
    const container = JSON.parse(execFileSync('docker', ['inspect', `codebox-${sandbox.sandboxId}`], { encoding: 'utf8' })) as Array<{
      HostConfig: { Dns: string[] };
      NetworkSettings: { Networks: Record<string, { Gateway: string }> };
    }>;
    const [info] = container;
    const gateway = Object.values(info?.NetworkSettings.Networks ?? {})[0]?.Gateway;
    expect(info?.HostConfig.Dns).toEqual([gateway]);
    // The gateway answers DNS directly too, and nothing else on it.
    expect((await sandbox.commands.run(`python3 /home/user/udp53.py ${gateway}`, { timeoutMs: 15_000 })).stdout.trim()).toBe('answered');
    expect(await probe([gateway ?? ''])).toEqual({ [gateway ?? '']: 'timeout' });
  });
});

describe('egress: no IPv6 path', () => {
  it('disables IPv6 on the bridge and drops v6 between sandboxes on it', async () => {
    const bridge = `cbx-${createHash('sha256').update(runner().runnerName).digest('hex').slice(0, 8)}`;
    expect(readFileSync(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, 'utf8').trim()).toBe('1');
    expect(execFileSync('ip6tables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' })).toContain(`-i ${bridge} -j`);
    const [a, b] = await Promise.all([Sandbox.create('code-interpreter-v1'), Sandbox.create('code-interpreter-v1')]);
    try {
      // A sandbox has no global IPv6 address and no IPv6 route out.
      const v6 = await a.commands.run('cat /proc/net/if_inet6; echo --; cat /proc/net/ipv6_route');
      const [addresses = '', routes = ''] = v6.stdout.split('--\n');
      for (const line of addresses.trim().split('\n').filter(Boolean)) expect(line).toMatch(/^(fe80|0{31}1)/);
      // Default routes other than the kernel's own unreachable ones on lo.
      expect(routes.split('\n').filter((line) => /^0{32} 00 /.test(line) && !/\slo$/.test(line))).toEqual([]);
      const linkLocal = addresses.split('\n').find((line) => line.startsWith('fe80') && line.trim().endsWith('eth0'));
      if (linkLocal) {
        // The one v6 address a sandbox may have is link-local on the bridge: B must not reach A through it.
        const hex = linkLocal.split(' ')[0] ?? '';
        const address = (hex.match(/.{4}/g) ?? []).join(':');
        await a.commands.run('python3 -c "import socket; s=socket.socket(socket.AF_INET6); s.bind((\'::\', 9999)); s.listen(); s.accept()"', {
          background: true,
        });
        const attempt = await b.commands.run(
          `python3 -c "import socket
s = socket.socket(socket.AF_INET6)
s.settimeout(3)
try:
    s.connect(('${address}%eth0', 9999)); print('reached')
except socket.timeout: print('timeout')
except OSError as e: print('error', e.errno)"`,
        );
        expect(attempt.stdout.trim()).not.toBe('reached');
      }
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  });
});
