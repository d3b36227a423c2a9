import { describe, expect, it } from 'vitest';
import { OPEN_EGRESS } from './egress-policy.js';
import { EgressRegistry } from './egress-registry.js';

const DENY_ALL = { ...OPEN_EGRESS, denyOut: [{ kind: 'cidr' as const, cidr: '0.0.0.0/0' }] };

describe('EgressRegistry', () => {
  it('finds a sandbox and its current policy by source address, and forgets it on delete', () => {
    const registry = new EgressRegistry();
    registry.set('sbx1', 'tenant', '172.30.0.2', OPEN_EGRESS);
    registry.set('sbx1', 'tenant', '172.30.0.2', DENY_ALL);
    expect(registry.lookup('172.30.0.2')).toEqual({ sandboxId: 'sbx1', tenant: 'tenant', policy: DENY_ALL });
    registry.delete('sbx1');
    expect(registry.lookup('172.30.0.2')).toBeUndefined();
    expect(registry.size).toBe(0);
  });

  it('keeps a newer sandbox on a reused address when the older one goes, and skips sandboxes without an address', () => {
    const registry = new EgressRegistry();
    registry.set('old', 't', '172.30.0.2', DENY_ALL);
    registry.set('new', 't', '172.30.0.2', OPEN_EGRESS);
    registry.delete('old');
    expect(registry.lookup('172.30.0.2')?.sandboxId).toBe('new');
    registry.set('offline', 't', undefined, OPEN_EGRESS);
    expect(registry.size).toBe(1);
  });
});
