import { describe, expect, it } from 'vitest';
import { EgressFloor } from './egress-floor.js';
import { EgressUpstreamError, parseProxyAddress, proxyEndpoint } from './socks-upstream.js';

const floor = new EgressFloor({ specialPurpose: ['10.0.0.0/8', '127.0.0.0/8', '198.51.100.0/24'], egressAllow: ['198.51.100.128/25'], hostNetworks: ['192.0.2.0/24'] });

describe('parseProxyAddress', () => {
  it('reads host:port and refuses anything else', () => {
    expect(parseProxyAddress('198.51.100.163:1080')).toEqual({ host: '198.51.100.163', port: 1080 });
    expect(parseProxyAddress('proxy.example.com:3128')).toEqual({ host: 'proxy.example.com', port: 3128 });
    for (const bad of ['198.51.100.163', ':1080', '[::1]:1080', 'a:0', 'a:70000', 'a:b']) expect(() => parseProxyAddress(bad)).toThrow(EgressUpstreamError);
  });
});

describe('proxyEndpoint', () => {
  it('accepts a global address or an operator exception', async () => {
    expect(await proxyEndpoint({ address: '8.8.4.4:1080' }, floor)).toEqual({ address: '8.8.4.4', port: 1080 });
    expect(await proxyEndpoint({ address: '198.51.100.163:1080' }, floor)).toEqual({ address: '198.51.100.163', port: 1080 });
  });

  it('refuses special-purpose addresses, the host and its networks', async () => {
    for (const address of ['10.1.2.3:1080', '198.51.100.7:1080', '127.0.0.1:1080', '192.0.2.9:1080']) {
      await expect(proxyEndpoint({ address }, floor)).rejects.toThrow(EgressUpstreamError);
    }
  });
});
