import { describe, expect, it } from 'vitest';
import { forwardRules, hostNetworkRules, inputRules, ipv6Rules, restoreScript, type EgressFirewallConfig } from './egress-firewall.js';
import { SPECIAL_PURPOSE_IPV4, SPECIAL_PURPOSE_IPV6 } from './special-purpose-addresses.js';

const config: EgressFirewallConfig = {
  bridge: 'cbx-1',
  inputChain: 'CODEBOX-IN-1',
  forwardChain: 'CODEBOX-FWD-1',
  hostNetworksChain: 'CODEBOX-NET-1',
  policyChain: 'CODEBOX-POL-1',
  dns: { address: '172.30.0.1', port: 53 },
  allow: ['198.51.100.128/25'],
};

const joined = (rules: string[][]): string[] => rules.map((r) => r.join(' '));

describe('egress firewall rules', () => {
  it('passes replies, then drops the host, its networks and foreign DNS, then applies sandbox policies, before any exception', () => {
    const rules = joined(forwardRules(config));
    expect(rules.slice(0, 6)).toEqual([
      '-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN',
      '-m addrtype --dst-type LOCAL -j DROP',
      '-j CODEBOX-NET-1',
      '-p udp --dport 53 -j DROP',
      '-p tcp --dport 53 -j DROP',
      // A sandbox's denyOut comes before the operator's exceptions; its allowOut returns into the rest of the floor.
      '-j CODEBOX-POL-1',
    ]);
    expect(rules[6]).toBe('-d 198.51.100.128/25 -j RETURN');
  });

  it('drops whatever is not unicast and every special-purpose block, and returns only what is left', () => {
    const rules = joined(forwardRules(config));
    const exception = rules.indexOf('-d 198.51.100.128/25 -j RETURN');
    expect(rules[exception + 1]).toBe('-m addrtype ! --dst-type UNICAST -j DROP');
    expect(rules.slice(exception + 2, -1)).toEqual(SPECIAL_PURPOSE_IPV4.map((b) => `-d ${b.cidr} -j DROP`));
    expect(rules.at(-1)).toBe('-j RETURN');
    expect(rules.filter((r) => r.endsWith('RETURN'))).toHaveLength(3);
  });

  it('lists the registry blocks the review found open, and the usual private ones', () => {
    const cidrs = SPECIAL_PURPOSE_IPV4.map((b) => b.cidr);
    for (const cidr of [
      '198.18.0.0/15',
      '0.0.0.0/8',
      '192.0.0.0/24',
      '192.0.2.0/24',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '240.0.0.0/4',
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '169.254.0.0/16',
      '100.64.0.0/10',
      '127.0.0.0/8',
      '224.0.0.0/4',
      '255.255.255.255/32',
    ]) {
      expect(cidrs).toContain(cidr);
    }
    const v6 = SPECIAL_PURPOSE_IPV6.map((b) => b.cidr);
    for (const cidr of ['::1/128', 'fc00::/7', 'fe80::/10', '2001:db8::/32', 'ff00::/8', '64:ff9b::/96', '::ffff:0:0/96']) expect(v6).toContain(cidr);
  });

  it('keeps every block a network address (host bits zero), so iptables takes it as written', () => {
    for (const { cidr } of SPECIAL_PURPOSE_IPV4) {
      const [address = '', length = ''] = cidr.split('/');
      const n = address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
      expect(n % 2 ** (32 - Number(length)), cidr).toBe(0);
    }
  });

  it('drops one rule per connected network', () => {
    expect(joined(hostNetworkRules(['192.0.2.0/24', '172.30.0.0/16']))).toEqual(['-d 192.0.2.0/24 -j DROP', '-d 172.30.0.0/16 -j DROP']);
  });

  it('lets the bridge reach the host only at the DNS forwarder', () => {
    expect(joined(inputRules(config))).toEqual([
      '-d 172.30.0.1 -p udp --dport 53 -j ACCEPT',
      '-d 172.30.0.1 -p tcp --dport 53 -j ACCEPT',
      '-j DROP',
    ]);
  });

  it('drops all IPv6 from and to the bridge', () => {
    expect(ipv6Rules()).toEqual([['-j', 'DROP']]);
  });

  it('replaces chains in one iptables-restore transaction without flushing anyone else', () => {
    expect(restoreScript([['CODEBOX-NET-1', hostNetworkRules(['10.0.0.0/8'])]])).toBe(
      '*filter\n:CODEBOX-NET-1 - [0:0]\n-A CODEBOX-NET-1 -d 10.0.0.0/8 -j DROP\nCOMMIT\n',
    );
  });
});
