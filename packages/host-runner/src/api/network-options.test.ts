import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../sandboxes/errors.js';
import { parseNetworkOptions } from './network-options.js';

describe('parseNetworkOptions', () => {
  it('reads allowPublicTraffic and the deny-everything spelling of no internet', () => {
    expect(parseNetworkOptions(undefined)).toEqual({});
    expect(parseNetworkOptions(null)).toEqual({});
    expect(parseNetworkOptions({ allowPublicTraffic: false })).toEqual({ allowPublicTraffic: false });
    expect(parseNetworkOptions({ allowPublicTraffic: true })).toEqual({ allowPublicTraffic: true });
    expect(parseNetworkOptions({ denyOut: ['0.0.0.0/0'] })).toEqual({ allowInternetAccess: false });
  });

  it.each([
    [{ allowOut: ['1.1.1.1'] }, 'network.allowOut'],
    [{ denyOut: ['0.0.0.0/0'], allowOut: ['8.8.8.8'] }, 'network.allowOut'],
    [{ denyOut: ['10.0.0.0/8'] }, 'network.denyOut'],
    [{ denyOut: ['0.0.0.0/0', '::/0'] }, 'network.denyOut'],
    [{ denyOut: '0.0.0.0/0' }, 'network.denyOut'],
    [{ maskRequestHost: 'x.example' }, 'network.maskRequestHost'],
    [{ rules: { 'a.example': [{}] } }, 'network.rules'],
    [{ egressProxy: { address: 'p:1080' } }, 'network.egressProxy'],
    [{ httpsPorts: [443] }, 'network.httpsPorts'],
    [{ allowPublicTraffic: 'no' }, 'network.allowPublicTraffic'],
  ])('refuses %j naming %s instead of dropping it', (network, field) => {
    expect(() => parseNetworkOptions(network)).toThrow(InvalidRequestError);
    expect(() => parseNetworkOptions(network)).toThrow(field);
  });
});
