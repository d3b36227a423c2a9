import { describe, expect, it } from 'vitest';
import { parseNameservers, sandboxNetworkNames } from './sandbox-network.js';

describe('sandboxNetworkNames', () => {
  it('fits kernel name limits whatever the runner name', () => {
    const names = sandboxNetworkNames('a-very-long-runner-name-that-goes-on-and-on');
    expect(names.network).toBe('codebox-a-very-long-runner-name-that-goes-on-and-on');
    expect(names.bridge.length).toBeLessThanOrEqual(15);
    expect(names.inputChain.length).toBeLessThanOrEqual(28);
    expect(names.forwardChain.length).toBeLessThanOrEqual(28);
  });

  it('differs per runner', () => {
    expect(sandboxNetworkNames('a').bridge).not.toBe(sandboxNetworkNames('b').bridge);
  });
});

describe('parseNameservers', () => {
  it('keeps IPv4 resolvers that Docker forwards to, not loopback or IPv6 ones', () => {
    const conf = '# c\nnameserver 10.255.255.53\nnameserver 127.0.0.53\nnameserver ::1\n  nameserver 192.0.2.1 \nsearch x\n';
    expect(parseNameservers(conf)).toEqual(['10.255.255.53', '192.0.2.1']);
  });
});
