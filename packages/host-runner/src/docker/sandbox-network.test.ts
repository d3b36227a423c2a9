import { describe, expect, it } from 'vitest';
import { firewallConfig, sandboxNetworkNames } from './sandbox-network.js';

describe('sandboxNetworkNames', () => {
  it('fits kernel name limits whatever the runner name', () => {
    const names = sandboxNetworkNames('a-very-long-runner-name-that-goes-on-and-on');
    expect(names.network).toBe('codebox-a-very-long-runner-name-that-goes-on-and-on');
    expect(names.bridge.length).toBeLessThanOrEqual(15);
    expect(names.inputChain.length).toBeLessThanOrEqual(28);
    expect(names.forwardChain.length).toBeLessThanOrEqual(28);
    expect(names.hostNetworksChain.length).toBeLessThanOrEqual(28);
  });

  it('differs per runner', () => {
    expect(sandboxNetworkNames('a').bridge).not.toBe(sandboxNetworkNames('b').bridge);
  });
});

describe('firewallConfig', () => {
  it('lets sandboxes reach the host only at the DNS forwarder on the bridge gateway', () => {
    const config = firewallConfig('a', '172.30.0.1', ['198.51.100.128/25']);
    expect(config.dns).toEqual({ address: '172.30.0.1', port: 53 });
    expect(config.allow).toEqual(['198.51.100.128/25']);
    expect(config.hostNetworksChain.length).toBeLessThanOrEqual(28);
  });
});
