import { BlockList } from 'node:net';
import type { CidrDestination, EgressPolicy } from './egress-policy.js';
import type { EgressFloor, FloorReason } from './egress-floor.js';

/**
 * The egress proxy's verdict on one connection, in the order E2B's semantics and the runner's
 * floor demand: the floor first (nothing a policy says opens it); then `allowOut` (a CIDR that
 * holds the destination, or a domain pattern matching the name the client sent **and** an address
 * the runner's DNS forwarder gave this sandbox for that name); then `denyOut`; otherwise allowed.
 */
export type EgressVerdict =
  | { readonly allow: true; readonly by: 'allow-cidr' | 'allow-domain' | 'not-denied'; readonly domain?: string }
  | { readonly allow: false; readonly by: FloorReason | 'deny-out' };

export interface EgressQuestion {
  readonly policy: EgressPolicy;
  readonly destination: { readonly address: string; readonly port: number };
  /** The host name the client sent (TLS SNI, HTTP Host), when it sent one. */
  readonly name?: string;
  /** Whether the sandbox was told `name` resolves to the destination address (dns-pins.ts). */
  readonly pinned: (name: string, address: string) => boolean;
}

/** `example.com` matches only itself; `*.example.com` any name strictly below it. */
export function domainMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
  return name === pattern;
}

function within(destinations: readonly CidrDestination[], address: string): boolean {
  if (destinations.length === 0) return false;
  const list = new BlockList();
  for (const { cidr } of destinations) {
    const [network = '', length = '32'] = cidr.split('/');
    list.addSubnet(network, Number(length), 'ipv4');
  }
  return list.check(address, 'ipv4');
}

function cidrs(policy: EgressPolicy): CidrDestination[] {
  return policy.allowOut.filter((d): d is CidrDestination => d.kind === 'cidr');
}

function domainPatterns(policy: EgressPolicy): string[] {
  return policy.allowOut.flatMap((d) => (d.kind === 'domain' ? [d.pattern] : []));
}

/**
 * Whether the verdict on this destination depends on the name the client sends: only when the
 * address alone would be denied and a domain entry could still allow it. Every other connection
 * is decided at accept, without waiting for the client's first bytes (server-first protocols
 * such as SSH or SMTP are not delayed).
 */
export function nameDecides(floor: EgressFloor, policy: EgressPolicy, destination: { address: string; port: number }): boolean {
  if (floor.check(destination.address, destination.port) !== undefined) return false;
  if (within(cidrs(policy), destination.address)) return false;
  return domainPatterns(policy).length > 0 && within(policy.denyOut, destination.address);
}

export function decideEgress(floor: EgressFloor, question: EgressQuestion): EgressVerdict {
  const { policy, destination, name } = question;
  const floorReason = floor.check(destination.address, destination.port);
  if (floorReason !== undefined) return { allow: false, by: floorReason };
  if (within(cidrs(policy), destination.address)) return { allow: true, by: 'allow-cidr' };
  if (name !== undefined && question.pinned(name, destination.address)) {
    const domain = domainPatterns(policy).find((pattern) => domainMatches(pattern, name));
    if (domain !== undefined) return { allow: true, by: 'allow-domain', domain };
  }
  if (within(policy.denyOut, destination.address)) return { allow: false, by: 'deny-out' };
  return { allow: true, by: 'not-denied' };
}
