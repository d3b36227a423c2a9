import { describe, expect, it } from 'vitest';
import { domainHostname, routeByHost } from './sandbox-host.js';

const ID = 'abcdefghij0123456789';
const DOMAIN = 'localhost:3201';

describe('routeByHost', () => {
  it('reads <port>-<id>.<domain> as that sandbox and port, with or without the port in Host, and a trailing dot', () => {
    for (const host of [`8000-${ID}.localhost:3201`, `8000-${ID}.localhost`, `8000-${ID}.LOCALHOST:3201`, `8000-${ID}.localhost.:3201`]) {
      expect(routeByHost(host, DOMAIN), host).toEqual({ kind: 'sandbox', sandboxId: ID, port: 8000 });
    }
    expect(routeByHost(`49983-${ID}.sandboxes.example.com`, 'sandboxes.example.com')).toEqual({ kind: 'sandbox', sandboxId: ID, port: 49983 });
    expect(routeByHost(`65535-${ID}.${DOMAIN}`, DOMAIN)).toMatchObject({ kind: 'sandbox', port: 65535 });
    expect(routeByHost(`1-${ID}.${DOMAIN}`, DOMAIN)).toMatchObject({ kind: 'sandbox', port: 1 });
  });

  it('leaves the runner its own names: the domain itself, api.<domain>, IPs, other hosts, no Host', () => {
    for (const host of [undefined, '', 'localhost:3201', 'api.localhost:3201', '127.0.0.1:3201', '[::1]:3201', 'runner.internal', 'my-host.lan']) {
      expect(routeByHost(host, DOMAIN), String(host)).toEqual({ kind: 'runner' });
    }
  });

  it.each([
    [`0x1f40-${ID}.${DOMAIN}`, 400, 'not a port'],
    [`08000-${ID}.${DOMAIN}`, 400, 'not a port'],
    [`0-${ID}.${DOMAIN}`, 400, 'not a port'],
    [`65536-${ID}.${DOMAIN}`, 400, 'not a port'],
    [`-${ID}.${DOMAIN}`, 400, 'not a port'],
    [`+80-${ID}.${DOMAIN}`, 400, 'not a port'],
    [`8000-${ID.toUpperCase()}.${DOMAIN}`, 400, 'lower case'],
    [`${ID}.${DOMAIN}`, 400, 'names no port'],
    [`a.8000-${ID}.${DOMAIN}`, 400, 'more than one label'],
    [`8000-${ID}-client.${DOMAIN}`, 400, '<clientId>'],
    [`8000-short.${DOMAIN}`, 400, 'not a sandbox id'],
    [`8000-.${DOMAIN}`, 400, 'not a sandbox id'],
    [`8000-${ID}.evil.test`, 421, 'not under this runner'],
    [`8000-${ID}.evil.test:3201`, 421, 'not under this runner'],
  ])('refuses %s with %i', (host, status, says) => {
    const route = routeByHost(host, DOMAIN);
    expect(route).toMatchObject({ kind: 'refused', status });
    expect(route.kind === 'refused' ? route.message : '').toContain(says);
  });

  it('bounds the caller text it quotes', () => {
    const route = routeByHost(`8000-${'a'.repeat(5000)}.${DOMAIN}`, DOMAIN);
    expect(route.kind === 'refused' ? route.message.length : 0).toBeLessThan(400);
  });

  it('compares the domain by host name', () => {
    expect(domainHostname('Sandboxes.Example.com:443')).toBe('sandboxes.example.com');
    expect(domainHostname('localhost')).toBe('localhost');
  });
});
