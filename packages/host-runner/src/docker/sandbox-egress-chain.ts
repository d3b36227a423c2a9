import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { EgressPolicy } from '../egress/egress-policy.js';
import { restore, run, succeeds } from './egress-firewall.js';
import { runHostCommand } from '../host/host-command.js';

type Rule = string[];

/**
 * The address part of one sandbox's egress policy, as an iptables chain of its own, entered from
 * the runner's policy chain by the sandbox's source address on the bridge (sandboxes cannot spoof
 * it: no CAP_NET_RAW/CAP_NET_ADMIN there). `allowOut` CIDRs return first (E2B: an allow wins
 * over a deny) and go on through the rest of the floor; `denyOut` CIDRs are rejected (a TCP reset
 * or ICMP admin-prohibited, so tools fail at once instead of timing out); the rest returns.
 */
export function sandboxChainRules(policy: EgressPolicy): Rule[] {
  const rules: Rule[] = [];
  for (const destination of policy.allowOut) if (destination.kind === 'cidr') rules.push(['-d', destination.cidr, '-j', 'RETURN']);
  for (const { cidr } of policy.denyOut) {
    rules.push(['-d', cidr, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    rules.push(['-d', cidr, '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited']);
  }
  return rules;
}

/** Whether the policy has anything iptables must do: without a deny, what it allows is everything. */
export function needsSandboxChain(policy: EgressPolicy): boolean {
  return policy.denyOut.length > 0;
}

/**
 * `CODEBOX-S<sandbox hash>-<runner hash>`: 26 characters (iptables allows 28), the runner's hash
 * last like the runner's other chains, so leak checks and cleanup find them by runner.
 */
export function sandboxChainName(runnerHash: string, sandboxId: string): string {
  return `CODEBOX-S${createHash('sha256').update(sandboxId).digest('hex').slice(0, 8)}-${runnerHash}`;
}

export interface SandboxChainTarget {
  /** The runner's policy chain (`CODEBOX-POL-<runner hash>`), entered from its forward chain. */
  policyChain: string;
  runnerHash: string;
}

/**
 * Installs or replaces the sandbox's chain, atomically (iptables-restore --noflush: the old rules
 * hold until the new ones are in), then makes sure its jump exists for this source address.
 * A policy without denies needs no chain: any chain and jump of the sandbox are removed.
 */
export async function applySandboxChain(target: SandboxChainTarget, sandboxId: string, address: string, policy: EgressPolicy, logger: Logger): Promise<void> {
  const chain = sandboxChainName(target.runnerHash, sandboxId);
  if (!needsSandboxChain(policy)) {
    await removeSandboxChain(target, sandboxId, logger);
    return;
  }
  await restore('iptables', [[chain, sandboxChainRules(policy)]]);
  const jump = ['-s', `${address}/32`, '-j', chain];
  if (!(await succeeds('iptables', ['-C', target.policyChain, ...jump]))) {
    // A jump from an older address (none today: a container keeps its address) would be stale.
    await deleteJumpsTo(target.policyChain, chain, logger);
    await run('iptables', ['-A', target.policyChain, ...jump], logger);
  }
}

/** Removes the sandbox's jump and chain. Idempotent. */
export async function removeSandboxChain(target: SandboxChainTarget, sandboxId: string, logger: Logger): Promise<void> {
  const chain = sandboxChainName(target.runnerHash, sandboxId);
  await deleteJumpsTo(target.policyChain, chain, logger);
  await deleteChain(chain, logger);
}

/** Removes the chains (and jumps) of this runner's sandboxes not in `keep` (after a crash, say). */
export async function collectSandboxChains(target: SandboxChainTarget, keep: Iterable<string>, logger: Logger): Promise<string[]> {
  const wanted = new Set([...keep].map((id) => sandboxChainName(target.runnerHash, id)));
  const removed: string[] = [];
  for (const chain of await sandboxChains(target.runnerHash)) {
    if (wanted.has(chain)) continue;
    await deleteJumpsTo(target.policyChain, chain, logger);
    await deleteChain(chain, logger);
    removed.push(chain);
  }
  if (removed.length > 0) logger.info({ chains: removed }, 'removed egress policy chains of gone sandboxes');
  return removed;
}

/** The names of this runner's sandbox chains that exist in the kernel now. */
export async function sandboxChains(runnerHash: string): Promise<string[]> {
  const pattern = new RegExp(`^-N (CODEBOX-S[0-9a-f]{8}-${runnerHash})$`);
  const listing = await runHostCommand('iptables', ['-w', '-S']);
  return listing.split('\n').flatMap((line) => pattern.exec(line.trim())?.[1] ?? []);
}

async function deleteJumpsTo(policyChain: string, chain: string, logger: Logger): Promise<void> {
  if (!(await succeeds('iptables', ['-S', policyChain]))) return;
  const listing = await runHostCommand('iptables', ['-w', '-S', policyChain]);
  for (const line of listing.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] !== '-A' || words.at(-1) !== chain || words.at(-2) !== '-j') continue;
    await run('iptables', ['-D', ...words.slice(1)], logger);
  }
}

async function deleteChain(chain: string, logger: Logger): Promise<void> {
  if (!(await succeeds('iptables', ['-S', chain]))) return;
  await run('iptables', ['-F', chain], logger);
  await run('iptables', ['-X', chain], logger);
}
