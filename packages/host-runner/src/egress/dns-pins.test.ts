import type * as dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { DnsPins, reachesNothing } from './dns-pins.js';
import type { EgressPolicy, SandboxEgress } from './egress-policy.js';
import { OPEN_EGRESS } from './egress-policy.js';

const NO_EGRESS: EgressPolicy = { allowOut: [], denyOut: [{ kind: 'cidr', cidr: '0.0.0.0/0' }], rules: {} };

function source(policies: Record<string, EgressPolicy>) {
  return {
    lookup: (address: string): SandboxEgress | undefined => {
      const policy = policies[address];
      return policy ? { sandboxId: `sb-${address}`, tenant: 't', policy } : undefined;
    },
  };
}

function answer(name: string, records: Array<{ type: 'A' | 'CNAME' | 'AAAA'; data: string; ttl?: number }>): dnsPacket.DecodedPacket {
  return { type: 'response', answers: records.map((r) => ({ name, ttl: r.ttl ?? 300, ...r })) } as unknown as dnsPacket.DecodedPacket;
}

const known = source({ c: OPEN_EGRESS, '172.30.0.2': OPEN_EGRESS, '172.30.0.3': OPEN_EGRESS });

const question = (client: string, name: string) => ({ client, name, type: 'A', class: 'IN' });

describe('DnsPins', () => {
  it('pins the A answers a sandbox got for a name, to that sandbox only', () => {
    const pins = new DnsPins(known);
    pins.observe(question('172.30.0.2', 'Target.Test.'), answer('target.test', [{ type: 'CNAME', data: 'edge.test' }, { type: 'A', data: '198.51.100.200' }]));
    expect(pins.isPinned('172.30.0.2', 'target.test', '198.51.100.200')).toBe(true);
    expect(pins.isPinned('172.30.0.2', 'TARGET.test', '198.51.100.200')).toBe(true);
    expect(pins.isPinned('172.30.0.2', 'target.test', '198.51.100.201')).toBe(false);
    expect(pins.isPinned('172.30.0.3', 'target.test', '198.51.100.200')).toBe(false);
    expect(pins.isPinned('172.30.0.2', 'edge.test', '198.51.100.200')).toBe(false);
  });

  it('keeps a pin at least the floor TTL, and forgets it after', () => {
    let now = 1_000_000;
    const pins = new DnsPins(known, { minTtlMs: 60_000 }, () => now);
    pins.observe(question('c', 'a.test'), answer('a.test', [{ type: 'A', data: '198.51.100.200', ttl: 0 }]));
    now += 59_000;
    expect(pins.isPinned('c', 'a.test', '198.51.100.200')).toBe(true);
    now += 2_000;
    expect(pins.isPinned('c', 'a.test', '198.51.100.200')).toBe(false);
  });

  it('holds a bounded number of pins per sandbox, dropping the oldest', () => {
    const pins = new DnsPins(known, { perClient: 2 });
    for (const n of [1, 2, 3]) pins.observe(question('c', `n${n}.test`), answer(`n${n}.test`, [{ type: 'A', data: `198.51.100.${n}` }]));
    expect(pins.isPinned('c', 'n1.test', '198.51.100.1')).toBe(false);
    expect(pins.isPinned('c', 'n3.test', '198.51.100.3')).toBe(true);
  });

  it('pins nothing for an address with no sandbox policy', () => {
    const pins = new DnsPins(source({}));
    pins.observe(question('c', 'a.test'), answer('a.test', [{ type: 'A', data: '198.51.100.200' }]));
    expect(pins.isPinned('c', 'a.test', '198.51.100.200')).toBe(false);
  });

  it('forgets a released address', () => {
    const pins = new DnsPins(known);
    pins.observe(question('c', 'a.test'), answer('a.test', [{ type: 'A', data: '198.51.100.200' }]));
    pins.forget('c');
    expect(pins.isPinned('c', 'a.test', '198.51.100.200')).toBe(false);
  });

  it('refuses the queries of a sandbox that can reach nothing, and no one else', () => {
    const pins = new DnsPins(source({ offline: NO_EGRESS, open: OPEN_EGRESS }));
    expect(pins.admit(question('offline', 'a.test'))).toBe(false);
    expect(pins.admit(question('open', 'a.test'))).toBe(true);
    expect(pins.admit(question('unknown', 'a.test'))).toBe(true);
    expect(reachesNothing({ ...NO_EGRESS, allowOut: [{ kind: 'domain', pattern: 'a.test' }] })).toBe(false);
  });
});
