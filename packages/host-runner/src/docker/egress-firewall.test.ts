import { describe, expect, it } from 'vitest';
import { BLOCKED_DESTINATIONS, forwardRules, inputRules } from './egress-firewall.js';

const config = { bridge: 'cbx-1', inputChain: 'CODEBOX-IN-1', forwardChain: 'CODEBOX-FWD-1', dnsServers: ['10.255.255.53'] };

describe('egress firewall rules', () => {
  it('lets replies through, then the resolver, then drops every private range, then returns to Docker', () => {
    const rules = forwardRules(config).map((r) => r.join(' '));
    expect(rules[0]).toBe('-m conntrack --ctstate ESTABLISHED,RELATED -j RETURN');
    expect(rules.slice(1, 3)).toEqual(['-d 10.255.255.53 -p udp --dport 53 -j RETURN', '-d 10.255.255.53 -p tcp --dport 53 -j RETURN']);
    expect(rules.slice(3, -1)).toEqual(BLOCKED_DESTINATIONS.map((c) => `-d ${c} -j DROP`));
    expect(rules.at(-1)).toBe('-j RETURN');
  });

  it('blocks metadata, RFC1918, CGNAT and loopback', () => {
    expect(BLOCKED_DESTINATIONS).toEqual(
      expect.arrayContaining(['169.254.0.0/16', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '127.0.0.0/8']),
    );
  });

  it('drops everything from the bridge to the host', () => {
    expect(inputRules()).toEqual([['-j', 'DROP']]);
  });
});
