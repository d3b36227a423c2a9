import { writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { HostCommandError } from '../host/errors.js';
import { runHostCommand } from '../host/host-command.js';
import { SPECIAL_PURPOSE_IPV4 } from './special-purpose-addresses.js';

export interface EgressFirewallConfig {
  /** Linux interface name of the sandbox bridge. */
  bridge: string;
  /** Chain for traffic from the bridge to the host itself (jumped to from INPUT, v4 and v6). */
  inputChain: string;
  /** Chain for traffic forwarded from the bridge elsewhere (from DOCKER-USER; v6: from FORWARD). */
  forwardChain: string;
  /** The host's directly connected networks, refilled whenever they change. */
  hostNetworksChain: string;
  /**
   * Per-sandbox egress policies (`sandbox-egress-chain.ts`): one jump per sandbox with a policy,
   * matched by source address. Sits after the host's floor and before the operator's
   * exceptions, so a sandbox's deny also covers an exception and an allow never opens the floor.
   */
  policyChain: string;
  /** The runner's DNS forwarder on the bridge gateway: the one host address sandboxes may reach. */
  dns: { address: string; port: number };
  /** The runner's egress proxy (TCP, same address as `dns`), where redirected sandbox connections arrive. */
  egressProxyPort?: number;
  /**
   * Operator exceptions to the special-purpose list (e.g. a package mirror on 10.1.2.3/32).
   * They never open the host itself or its directly connected networks.
   */
  allow: readonly string[];
}

export type Rule = string[];
const DNS_PORT = '53';

/**
 * Forwarded traffic from the bridge, in order: replies pass; the host's own addresses (whatever
 * interface carries them), its directly connected networks and DNS to anyone but the runner's
 * forwarder are dropped; operator exceptions pass; anything the kernel does not route as
 * unicast (broadcast, multicast, blackhole) and every special-purpose block is dropped; what is
 * left is globally routable unicast, handed back to Docker's own rules.
 */
export function forwardRules(config: EgressFirewallConfig): Rule[] {
  const rules: Rule[] = [
    ['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'],
    ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'DROP'],
    ['-j', config.hostNetworksChain],
    ['-p', 'udp', '--dport', DNS_PORT, '-j', 'DROP'],
    ['-p', 'tcp', '--dport', DNS_PORT, '-j', 'DROP'],
    ['-j', config.policyChain],
  ];
  for (const cidr of config.allow) rules.push(['-d', cidr, '-j', 'RETURN']);
  rules.push(['-m', 'addrtype', '!', '--dst-type', 'UNICAST', '-j', 'DROP']);
  for (const block of SPECIAL_PURPOSE_IPV4) rules.push(['-d', block.cidr, '-j', 'DROP']);
  rules.push(['-j', 'RETURN']);
  return rules;
}

/** One DROP per connected network; the chain returns to the forward chain for everything else. */
export function hostNetworkRules(networks: readonly string[]): Rule[] {
  return networks.map((cidr) => ['-d', cidr, '-j', 'DROP']);
}

/** Measured: without this a sandbox reaches host services via its gateway and the host's own IPs. */
export function inputRules(config: EgressFirewallConfig): Rule[] {
  return [
    ['-d', config.dns.address, '-p', 'udp', '--dport', String(config.dns.port), '-j', 'ACCEPT'],
    ['-d', config.dns.address, '-p', 'tcp', '--dport', String(config.dns.port), '-j', 'ACCEPT'],
    ...(config.egressProxyPort === undefined ? [] : [['-d', config.dns.address, '-p', 'tcp', '--dport', String(config.egressProxyPort), '-j', 'ACCEPT']]),
    ['-j', 'DROP'],
  ];
}

/** The bridge has no IPv6; these make sure no v6 path exists even if a link-local one appears. */
export function ipv6Rules(): Rule[] {
  return [['-j', 'DROP']];
}

/** iptables-restore input that replaces the given chains' contents in one transaction. */
export function restoreScript(chains: ReadonlyArray<[chain: string, rules: readonly Rule[]]>, table = 'filter'): string {
  const lines = [`*${table}`];
  for (const [chain] of chains) lines.push(`:${chain} - [0:0]`);
  for (const [chain, rules] of chains) for (const rule of rules) lines.push(['-A', chain, ...rule].join(' '));
  lines.push('COMMIT', '');
  return lines.join('\n');
}

/**
 * Installs the sandbox egress filter in dedicated chains so it can be replaced and removed
 * without touching anyone else's rules. Idempotent: re-running replaces the chains' contents,
 * atomically (iptables-restore --noflush), so a restart never leaves a window without filter.
 */
export async function installEgressFirewall(config: EgressFirewallConfig, hostNetworks: readonly string[], logger: Logger): Promise<void> {
  logger.debug({ config, hostNetworks }, 'installing egress firewall');
  // Created, never flushed here: it holds the jumps of live sandboxes' policies across a restart.
  if (!(await succeeds('iptables', ['-S', config.policyChain]))) await run('iptables', ['-N', config.policyChain], logger);
  await restore('iptables', [
    [config.hostNetworksChain, hostNetworkRules(hostNetworks)],
    [config.forwardChain, forwardRules(config)],
    [config.inputChain, inputRules(config)],
  ]);
  await ensureJump('iptables', 'DOCKER-USER', ['-i', config.bridge, '-j', config.forwardChain], logger);
  await ensureJump('iptables', 'INPUT', ['-i', config.bridge, '-j', config.inputChain], logger);
  await restore('ip6tables', [
    [config.forwardChain, ipv6Rules()],
    [config.inputChain, ipv6Rules()],
  ]);
  await ensureJump('ip6tables', 'FORWARD', ['-i', config.bridge, '-j', config.forwardChain], logger);
  await ensureJump('ip6tables', 'FORWARD', ['-o', config.bridge, '-j', config.forwardChain], logger);
  await ensureJump('ip6tables', 'INPUT', ['-i', config.bridge, '-j', config.inputChain], logger);
  await disableIpv6(config.bridge, logger);
}

/** Replaces the connected-network list (called when the host's addresses or routes change). */
export async function updateHostNetworks(config: EgressFirewallConfig, hostNetworks: readonly string[]): Promise<void> {
  await restore('iptables', [[config.hostNetworksChain, hostNetworkRules(hostNetworks)]]);
}

/** Removes the jumps and the chains, v4 and v6. Idempotent. */
export async function removeEgressFirewall(config: EgressFirewallConfig, logger: Logger): Promise<void> {
  await deleteJumps('iptables', 'DOCKER-USER', ['-i', config.bridge, '-j', config.forwardChain], logger);
  await deleteJumps('iptables', 'INPUT', ['-i', config.bridge, '-j', config.inputChain], logger);
  await deleteJumps('ip6tables', 'FORWARD', ['-i', config.bridge, '-j', config.forwardChain], logger);
  await deleteJumps('ip6tables', 'FORWARD', ['-o', config.bridge, '-j', config.forwardChain], logger);
  await deleteJumps('ip6tables', 'INPUT', ['-i', config.bridge, '-j', config.inputChain], logger);
  // The forward chain jumps to the host-networks and policy chains, so it goes first.
  for (const [tool, chain] of [
    ['iptables', config.forwardChain],
    ['iptables', config.hostNetworksChain],
    ['iptables', config.policyChain],
    ['iptables', config.inputChain],
    ['ip6tables', config.forwardChain],
    ['ip6tables', config.inputChain],
  ] as const) {
    if (await succeeds(tool, ['-S', chain])) {
      await run(tool, ['-F', chain], logger);
      await run(tool, ['-X', chain], logger);
    }
  }
}

/**
 * Without IPv6 on the bridge the host has no link-local address there, so not even a
 * link-local v6 packet finds a host socket; the ip6tables chains are the second layer.
 */
async function disableIpv6(bridge: string, logger: Logger): Promise<void> {
  try {
    await writeFile(`/proc/sys/net/ipv6/conf/${bridge}/disable_ipv6`, '1');
  } catch (err) {
    // A kernel without IPv6 has no such file, and then there is nothing to disable.
    logger.debug({ err, bridge }, 'could not disable IPv6 on the sandbox bridge');
  }
}

export function restore(tool: 'iptables' | 'ip6tables', chains: ReadonlyArray<[string, readonly Rule[]]>, table = 'filter'): Promise<void> {
  const script = restoreScript(chains, table);
  const command = `${tool}-restore -w --noflush`;
  return new Promise((resolve, reject) => {
    const child = spawn(`${tool}-restore`, ['-w', '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on('error', (err) => reject(new HostCommandError(command, null, err.message)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new HostCommandError(command, code, stderr))));
    child.stdin.end(script);
  });
}

export async function ensureJump(tool: string, from: string, rule: Rule, logger: Logger): Promise<void> {
  if (!(await succeeds(tool, ['-C', from, ...rule]))) await run(tool, ['-I', from, '1', ...rule], logger);
}

export async function deleteJumps(tool: string, from: string, rule: Rule, logger: Logger): Promise<void> {
  // A crashed runner may have inserted the jump twice; delete until none is left.
  while (await succeeds(tool, ['-C', from, ...rule])) await run(tool, ['-D', from, ...rule], logger);
}

export async function succeeds(tool: string, args: string[]): Promise<boolean> {
  try {
    await runHostCommand(tool, ['-w', ...args]);
    return true;
  } catch (err) {
    if (err instanceof HostCommandError && err.exitCode !== null) return false;
    throw err;
  }
}

export function run(tool: string, args: string[], logger: Logger): Promise<string> {
  logger.debug({ tool, args }, 'iptables');
  return runHostCommand(tool, ['-w', ...args]);
}
