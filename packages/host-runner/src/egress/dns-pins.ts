import type * as dnsPacket from 'dns-packet';
import type { DnsPolicy, DnsQuestion } from '../dns/dns-forwarder.js';
import type { EgressPolicy, EgressPolicySource } from './egress-policy.js';

/**
 * DNS pinning: which addresses the runner's DNS forwarder told each sandbox a name resolves to.
 * A domain `allowOut` entry lets a connection through only toward such an address, so a sandbox
 * cannot claim an allowed name (SNI, Host) while connecting anywhere it likes.
 */
export interface DnsPinLimits {
  /** Answers with a shorter TTL are kept this long: a connection right after a 0 s answer still works. */
  minTtlMs: number;
  /** And at most this long, whatever the TTL says. */
  maxTtlMs: number;
  /** Pins held per sandbox address; past it, the oldest go first. */
  perClient: number;
}

export const DEFAULT_DNS_PIN_LIMITS: DnsPinLimits = { minTtlMs: 60_000, maxTtlMs: 3_600_000, perClient: 4096 };

interface Pin {
  expiresAt: number;
}

/** Whether a policy reaches nothing at all: everything denied and nothing allowed. */
export function reachesNothing(policy: EgressPolicy): boolean {
  return policy.allowOut.length === 0 && policy.denyOut.some((destination) => destination.cidr === '0.0.0.0/0');
}

export class DnsPins implements DnsPolicy {
  private readonly limits: DnsPinLimits;
  /** client address → `name address` → pin; Map order is insertion order, so the oldest come first. */
  private readonly pins = new Map<string, Map<string, Pin>>();

  constructor(
    private readonly source: EgressPolicySource,
    limits: Partial<DnsPinLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_DNS_PIN_LIMITS, ...limits };
  }

  /** A sandbox that can reach nothing has no use for names: refusing its queries closes DNS as a way out. */
  admit(question: DnsQuestion): boolean {
    const egress = this.source.lookup(question.client);
    return egress === undefined || !reachesNothing(egress.policy);
  }

  observe(question: DnsQuestion, answer: dnsPacket.DecodedPacket): void {
    // Only sandboxes with a registered policy are pinned: the map stays as small as the fleet,
    // and `forget` on release clears everything a sandbox left.
    if (this.source.lookup(question.client) === undefined) return;
    const name = normalise(question.name);
    for (const record of answer.answers ?? []) {
      // CNAME chains end in A records owned by the chain's last name; they answer the question asked.
      if (record.type !== 'A' || typeof record.data !== 'string') continue;
      const ttl = Math.min(this.limits.maxTtlMs, Math.max(this.limits.minTtlMs, (record.ttl ?? 0) * 1000));
      this.pin(question.client, name, record.data, this.now() + ttl);
    }
  }

  /** Whether the forwarder answered `client`'s question for `name` with `address`, recently enough. */
  isPinned(client: string, name: string, address: string): boolean {
    const pin = this.pins.get(client)?.get(`${normalise(name)} ${address}`);
    return pin !== undefined && pin.expiresAt > this.now();
  }

  /** Drops every pin of a sandbox address (its sandbox is gone; the address may be reused). */
  forget(client: string): void {
    this.pins.delete(client);
  }

  private pin(client: string, name: string, address: string, expiresAt: number): void {
    let pins = this.pins.get(client);
    if (!pins) {
      pins = new Map();
      this.pins.set(client, pins);
    }
    const key = `${name} ${address}`;
    pins.delete(key);
    pins.set(key, { expiresAt });
    if (pins.size > this.limits.perClient) this.prune(pins);
  }

  private prune(pins: Map<string, Pin>): void {
    const now = this.now();
    for (const [key, pin] of pins) if (pin.expiresAt <= now) pins.delete(key);
    for (const key of pins.keys()) {
      if (pins.size <= this.limits.perClient) break;
      pins.delete(key);
    }
  }
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
