import { describe, expect, it } from 'vitest';
import { parseNetworkUpdate } from '../egress/parse-network.js';
import { needsSandboxChain, sandboxChainName, sandboxChainRules } from './sandbox-egress-chain.js';

describe('sandbox egress chain', () => {
  it('returns allowOut CIDRs first (into the rest of the floor), then rejects denyOut fast', () => {
    const rules = sandboxChainRules(parseNetworkUpdate({ allowOut: ['1.2.3.4', 'a.b.c.d.example'], denyOut: ['0.0.0.0/0'] })).map((r) => r.join(' '));
    expect(rules).toEqual([
      '-d 1.2.3.4/32 -j RETURN',
      '-d 0.0.0.0/0 -p tcp -j REJECT --reject-with tcp-reset',
      '-d 0.0.0.0/0 -j REJECT --reject-with icmp-admin-prohibited',
    ]);
  });

  it('is needed only with a deny (what nothing denies is allowed anyway)', () => {
    expect(needsSandboxChain(parseNetworkUpdate({ allowOut: ['1.2.3.4'] }))).toBe(false);
    expect(needsSandboxChain(parseNetworkUpdate({ denyOut: ['1.2.3.4'] }))).toBe(true);
  });

  it('names chains within iptables’ 28 characters, the runner hash last', () => {
    const name = sandboxChainName('0123abcd', 'i1234567890abcdefghi');
    expect(name).toMatch(/^CODEBOX-S[0-9a-f]{8}-0123abcd$/);
    expect(name.length).toBeLessThanOrEqual(28);
    expect(sandboxChainName('0123abcd', 'other')).not.toBe(name);
  });
});
