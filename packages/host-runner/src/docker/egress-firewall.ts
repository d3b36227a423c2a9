import type { Logger } from 'pino';
import { HostCommandError } from './errors.js';
import { runHostCommand } from './host-command.js';

/** Destinations a sandbox with internet access must never reach (private, CGNAT, link-local/metadata, loopback). */
export const BLOCKED_DESTINATIONS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
] as const;

export interface EgressFirewallConfig {
  /** Linux interface name of the sandbox bridge. */
  bridge: string;
  /** Chain for traffic from the bridge to the host itself (jumped to from INPUT). */
  inputChain: string;
  /** Chain for traffic forwarded from the bridge elsewhere (jumped to from DOCKER-USER). */
  forwardChain: string;
  /**
   * DNS servers the host uses. Docker's embedded resolver forwards sandbox lookups to them from
   * inside the sandbox's network namespace, so a private resolver needs a port-53 exception.
   */
  dnsServers: readonly string[];
}

/** iptables rule lists (without the `-A <chain>` prefix), exported so tests can check them without root. */
export function forwardRules(config: EgressFirewallConfig): string[][] {
  const rules: string[][] = [['-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN']];
  for (const server of config.dnsServers) {
    for (const proto of ['udp', 'tcp']) rules.push(['-d', server, '-p', proto, '--dport', '53', '-j', 'RETURN']);
  }
  for (const cidr of BLOCKED_DESTINATIONS) rules.push(['-d', cidr, '-j', 'DROP']);
  rules.push(['-j', 'RETURN']);
  return rules;
}

/** Measured: without this a sandbox reaches host services via its gateway and the host's own IPs. */
export function inputRules(): string[][] {
  return [['-j', 'DROP']];
}

/**
 * Installs the sandbox egress filter in dedicated chains so it can be replaced and removed
 * without touching anyone else's rules. Idempotent: re-running replaces the chains' contents.
 */
export async function installEgressFirewall(config: EgressFirewallConfig, logger: Logger): Promise<void> {
  await fillChain(config.forwardChain, forwardRules(config), logger);
  await fillChain(config.inputChain, inputRules(), logger);
  await ensureJump('DOCKER-USER', ['-i', config.bridge, '-j', config.forwardChain], logger);
  await ensureJump('INPUT', ['-i', config.bridge, '-j', config.inputChain], logger);
}

/** Removes the jumps and the chains. Idempotent. */
export async function removeEgressFirewall(config: EgressFirewallConfig, logger: Logger): Promise<void> {
  await deleteJumps('DOCKER-USER', ['-i', config.bridge, '-j', config.forwardChain], logger);
  await deleteJumps('INPUT', ['-i', config.bridge, '-j', config.inputChain], logger);
  for (const chain of [config.forwardChain, config.inputChain]) {
    if (await chainExists(chain)) {
      await iptables(['-F', chain], logger);
      await iptables(['-X', chain], logger);
    }
  }
}

async function fillChain(chain: string, rules: string[][], logger: Logger): Promise<void> {
  if (await chainExists(chain)) await iptables(['-F', chain], logger);
  else await iptables(['-N', chain], logger);
  for (const rule of rules) await iptables(['-A', chain, ...rule], logger);
}

async function ensureJump(from: string, rule: string[], logger: Logger): Promise<void> {
  if (!(await ruleExists(from, rule))) await iptables(['-I', from, '1', ...rule], logger);
}

async function deleteJumps(from: string, rule: string[], logger: Logger): Promise<void> {
  // A crashed runner may have inserted the jump twice; delete until none is left.
  while (await ruleExists(from, rule)) await iptables(['-D', from, ...rule], logger);
}

async function chainExists(chain: string): Promise<boolean> {
  return succeeds(['-S', chain]);
}

async function ruleExists(chain: string, rule: string[]): Promise<boolean> {
  return succeeds(['-C', chain, ...rule]);
}

async function succeeds(args: string[]): Promise<boolean> {
  try {
    await runHostCommand('iptables', ['-w', ...args]);
    return true;
  } catch (err) {
    if (err instanceof HostCommandError && err.exitCode !== null) return false;
    throw err;
  }
}

function iptables(args: string[], logger: Logger): Promise<string> {
  logger.debug({ args }, 'iptables');
  return runHostCommand('iptables', ['-w', ...args]);
}
