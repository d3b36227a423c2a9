import { describe, expect, it } from 'vitest';
import { restoreScript } from './egress-firewall.js';
import { redirectRules, redirectedAddresses } from './egress-redirect.js';

describe('redirectRules', () => {
  const config = { bridge: 'cbx-1', chain: 'CODEBOX-EGP-1', gateway: '172.30.0.1', port: 15001 };

  it('leaves the gateway alone and redirects each listed sandbox address', () => {
    expect(restoreScript([[config.chain, redirectRules(config, ['172.30.0.3', '172.30.0.2'])]], 'nat')).toBe(
      [
        '*nat',
        ':CODEBOX-EGP-1 - [0:0]',
        '-A CODEBOX-EGP-1 -d 172.30.0.1/32 -j RETURN',
        '-A CODEBOX-EGP-1 -s 172.30.0.2/32 -p tcp -j REDIRECT --to-ports 15001',
        '-A CODEBOX-EGP-1 -s 172.30.0.3/32 -p tcp -j REDIRECT --to-ports 15001',
        'COMMIT',
        '',
      ].join('\n'),
    );
  });
});

describe('redirectedAddresses', () => {
  it('reads back the sandbox addresses of an existing chain', () => {
    const listing = [
      '-N CODEBOX-EGP-1',
      '-A CODEBOX-EGP-1 -d 172.30.0.1/32 -j RETURN',
      '-A CODEBOX-EGP-1 -s 172.30.0.2/32 -p tcp -j REDIRECT --to-ports 15001',
      '-A CODEBOX-EGP-1 -s 172.30.0.13/32 -p tcp -j REDIRECT --to-ports 15001',
      '-A CODEBOX-EGP-10 -s 172.30.0.9/32 -p tcp -j REDIRECT --to-ports 15001',
    ].join('\n');
    expect(redirectedAddresses(listing, 'CODEBOX-EGP-1')).toEqual(['172.30.0.2', '172.30.0.13']);
  });
});
