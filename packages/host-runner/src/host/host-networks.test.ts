import { describe, expect, it } from 'vitest';
import { connectedNetworks, ipv4Network } from './host-networks.js';

describe('connectedNetworks', () => {
  it('takes gateway-less unicast routes from every table and the prefixes of host addresses', () => {
    const routes = [
      { dst: 'default', gateway: '192.0.2.1' },
      { dst: '192.0.2.0/24', type: undefined },
      { dst: '203.0.113.0/28', gateway: '192.0.2.9' },
      { dst: '198.18.7.0/24' },
      { dst: '198.51.100.7' },
      { dst: '100.64.0.0/10', nexthops: [{}] },
      { dst: '192.0.2.2', type: 'local' },
      { dst: '192.0.2.255', type: 'broadcast' },
      { dst: '10.9.0.0/16', type: 'blackhole' },
    ];
    const addresses = [
      { addr_info: [{ family: 'inet', local: '198.19.4.5', prefixlen: 22 }, { family: 'inet6', local: 'fd00::2', prefixlen: 64 }] },
      { addr_info: [{ family: 'inet', local: '5.6.7.8', prefixlen: 32 }] },
      { addr_info: [{ family: 'inet', local: '9.9.9.9', prefixlen: 0 }] },
    ];
    expect(connectedNetworks(routes, addresses)).toEqual(['192.0.2.0/24', '198.18.7.0/24', '198.19.4.0/22', '198.51.100.7/32', '5.6.7.8/32']);
  });

  it('never lists a default route, which would be the whole internet', () => {
    expect(connectedNetworks([{ dst: 'default' }, { dst: '0.0.0.0/0' }], [])).toEqual([]);
  });

  it('ignores malformed entries', () => {
    expect(connectedNetworks([{ dst: 'fe80::/64' }, { dst: '300.1.1.1/8' }, {}], [{}, { addr_info: [{ family: 'inet' }] }])).toEqual([]);
  });
});

describe('ipv4Network', () => {
  it('clears host bits', () => {
    expect(ipv4Network('192.0.2.77', 24)).toBe('192.0.2.0/24');
    expect(ipv4Network('198.19.255.1', 15)).toBe('198.18.0.0/15');
    expect(ipv4Network('1.2.3.4', 32)).toBe('1.2.3.4/32');
    expect(ipv4Network('1.2.3.4', 33)).toBeUndefined();
  });
});
