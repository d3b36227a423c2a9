import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../sandboxes/errors.js';
import { OPEN_EGRESS } from './egress-policy.js';
import { describeEgress, parseCreateNetwork, parseDestination, parseNetworkUpdate } from './parse-network.js';

describe('parseDestination', () => {
  it('normalises IPv4 addresses and CIDRs', () => {
    expect(parseDestination('8.8.8.8', 'f', true)).toEqual({ kind: 'cidr', cidr: '8.8.8.8/32' });
    expect(parseDestination('10.1.2.3/8', 'f', true)).toEqual({ kind: 'cidr', cidr: '10.0.0.0/8' });
    expect(parseDestination('0.0.0.0/0', 'f', false)).toEqual({ kind: 'cidr', cidr: '0.0.0.0/0' });
  });

  it('reads host names and wildcards, lower-cased, in allow lists only', () => {
    expect(parseDestination('Example.COM.', 'f', true)).toEqual({ kind: 'domain', pattern: 'example.com' });
    expect(parseDestination('*.example.com', 'f', true)).toEqual({ kind: 'domain', pattern: '*.example.com' });
    expect(() => parseDestination('example.com', 'network.denyOut', false)).toThrow(/network.denyOut.*addresses and CIDRs only/);
  });

  it('refuses IPv6 with the reason, and malformed entries', () => {
    expect(() => parseDestination('2001:db8::/32', 'network.allowOut', true)).toThrow(/network.allowOut.*no IPv6/);
    for (const bad of ['8.8.8.8/33', '8.8.8.8/x', 'exa mple.com', '*.', '1.2.3', '-a.com', '']) {
      expect(() => parseDestination(bad, 'f', true), bad).toThrow(InvalidRequestError);
    }
  });
});

describe('parseCreateNetwork', () => {
  it('is open, public and online without options', () => {
    expect(parseCreateNetwork(undefined, undefined)).toEqual({ allowInternetAccess: true, network: { egress: OPEN_EGRESS, allowPublicTraffic: true } });
  });

  it('keeps allow_internet_access: false apart from a deny-all policy', () => {
    expect(parseCreateNetwork(null, false).allowInternetAccess).toBe(false);
    const denyAll = parseCreateNetwork({ denyOut: ['0.0.0.0/0'] }, true);
    expect(denyAll.allowInternetAccess).toBe(true);
    expect(denyAll.network.egress.denyOut).toEqual([{ kind: 'cidr', cidr: '0.0.0.0/0' }]);
  });

  it('validates the mask, the rules and the proxy', () => {
    expect(parseCreateNetwork({ maskRequestHost: 'h.example:${PORT}' }, undefined).network.maskRequestHost).toBe('h.example:${PORT}');
    expect(() => parseCreateNetwork({ maskRequestHost: 'a b' }, undefined)).toThrow(/maskRequestHost/);
    expect(() => parseCreateNetwork({ rules: { 'a.com': [{ transform: { headers: { 'Bad Name': 'x' } } }] } }, undefined)).toThrow(/header name/);
    expect(() => parseCreateNetwork({ egressProxy: { address: 'no-port' } }, undefined)).toThrow(/network.egressProxy.address/);
    const parsed = parseCreateNetwork({ egressProxy: { address: 'p.example:1080', username: 'u', password: 'secret' } }, undefined);
    expect(parsed.network.egress.egressProxy).toEqual({ address: 'p.example:1080', username: 'u', password: 'secret' });
    expect(describeEgress(parsed.network.egress).egressProxy).toEqual({ address: 'p.example:1080', username: 'u' });
  });
});

describe('parseNetworkUpdate', () => {
  it('clears what is omitted and reads allow_internet_access: false as deny-all', () => {
    expect(parseNetworkUpdate({})).toEqual(OPEN_EGRESS);
    expect(parseNetworkUpdate({ allow_internet_access: true })).toEqual(OPEN_EGRESS);
    expect(parseNetworkUpdate({ allow_internet_access: false, denyOut: ['0.0.0.0/0', '1.1.1.1'] }).denyOut).toEqual([
      { kind: 'cidr', cidr: '0.0.0.0/0' },
      { kind: 'cidr', cidr: '1.1.1.1/32' },
    ]);
  });
});
