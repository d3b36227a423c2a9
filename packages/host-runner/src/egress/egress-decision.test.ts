import { describe, expect, it } from 'vitest';
import { decideEgress, domainMatches, nameDecides } from './egress-decision.js';
import { SPECIAL_PURPOSE_IPV4 } from '../docker/special-purpose-addresses.js';
import { EgressFloor } from './egress-floor.js';
import type { EgressPolicy } from './egress-policy.js';

// 198.51.100.128/25 plays the internet here (an operator exception, as in the integration tests).
const floor = new EgressFloor({
  specialPurpose: SPECIAL_PURPOSE_IPV4.map((block) => block.cidr),
  egressAllow: ['198.51.100.128/25'],
  hostNetworks: ['192.0.2.0/24'],
});
const DENY_ALL = { kind: 'cidr', cidr: '0.0.0.0/0' } as const;
const ALLOWED = '198.51.100.200';
const OTHER = '198.51.100.201';

function policy(partial: Partial<EgressPolicy>): EgressPolicy {
  return { allowOut: [], denyOut: [], rules: {}, ...partial };
}

const onlyTarget: EgressPolicy = policy({ allowOut: [{ kind: 'domain', pattern: 'target.test' }], denyOut: [DENY_ALL] });
const pinnedTo =
  (name: string, address: string) =>
  (n: string, a: string): boolean =>
    n === name && a === address;
const nothingPinned = (): boolean => false;

describe('domainMatches', () => {
  it('matches a name exactly, and a wildcard strictly below its apex', () => {
    expect(domainMatches('example.com', 'example.com')).toBe(true);
    expect(domainMatches('example.com', 'a.example.com')).toBe(false);
    expect(domainMatches('*.example.com', 'a.example.com')).toBe(true);
    expect(domainMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(domainMatches('*.example.com', 'example.com')).toBe(false);
    expect(domainMatches('*.example.com', 'badexample.com')).toBe(false);
  });
});

describe('decideEgress', () => {
  const at = (address: string, port = 443) => ({ address, port });

  it.each([
    ['a pinned allowed name', onlyTarget, at(ALLOWED), 'target.test', pinnedTo('target.test', ALLOWED), { allow: true, by: 'allow-domain', domain: 'target.test' }],
    ['an allowed name toward an address it was not resolved to', onlyTarget, at(OTHER), 'target.test', pinnedTo('target.test', ALLOWED), { allow: false, by: 'deny-out' }],
    ['an allowed name never resolved through the forwarder', onlyTarget, at(ALLOWED), 'target.test', nothingPinned, { allow: false, by: 'deny-out' }],
    ['a name not on the list', onlyTarget, at(ALLOWED), 'other.test', pinnedTo('other.test', ALLOWED), { allow: false, by: 'deny-out' }],
    ['no name at all (raw address)', onlyTarget, at(ALLOWED), undefined, nothingPinned, { allow: false, by: 'deny-out' }],
    ['an allowed CIDR over a deny', policy({ allowOut: [{ kind: 'cidr', cidr: '198.51.100.200/32' }], denyOut: [DENY_ALL] }), at(ALLOWED), undefined, nothingPinned, { allow: true, by: 'allow-cidr' }],
    ['what neither list names', policy({ denyOut: [{ kind: 'cidr', cidr: '203.0.113.0/24' }] }), at(ALLOWED), undefined, nothingPinned, { allow: true, by: 'not-denied' }],
    ['the floor over an allowed CIDR: host network', policy({ allowOut: [{ kind: 'cidr', cidr: '0.0.0.0/0' }] }), at('192.0.2.7'), undefined, nothingPinned, { allow: false, by: 'host-network' }],
    ['the floor over a pinned name: special-purpose', onlyTarget, at('10.1.2.3'), 'target.test', pinnedTo('target.test', '10.1.2.3'), { allow: false, by: 'special-purpose' }],
    ['the floor: DNS to anyone but the forwarder', policy({}), at(ALLOWED, 53), undefined, nothingPinned, { allow: false, by: 'dns' }],
    ['the floor: loopback', policy({}), at('127.0.0.1'), undefined, nothingPinned, { allow: false, by: 'host-address' }],
  ] as const)('%s', (_, p, destination, name, pinned, expected) => {
    expect(decideEgress(floor, { policy: p, destination, pinned, ...(name === undefined ? {} : { name }) })).toEqual(expected);
  });
});

describe('nameDecides', () => {
  it('waits for a name only where a domain entry could still allow a denied address', () => {
    expect(nameDecides(floor, onlyTarget, { address: ALLOWED, port: 443 })).toBe(true);
    expect(nameDecides(floor, onlyTarget, { address: '10.1.2.3', port: 443 })).toBe(false);
    expect(nameDecides(floor, policy({ allowOut: [{ kind: 'domain', pattern: 'a.test' }] }), { address: ALLOWED, port: 22 })).toBe(false);
    expect(nameDecides(floor, policy({ denyOut: [DENY_ALL] }), { address: ALLOWED, port: 22 })).toBe(false);
  });
});
