import { describe, expect, it } from 'vitest';
import { OPEN_EGRESS } from '../egress/egress-policy.js';
import { maskedHost } from './request-host-mask.js';

const masked = { network: { egress: OPEN_EGRESS, allowPublicTraffic: true, maskRequestHost: 'custom-host.example.com:${PORT}' } };

describe('maskedHost', () => {
  it('puts the port into the mask for user ports (E2B: custom-host.example.com:${PORT})', () => {
    expect(maskedHost(masked, 8080)).toBe('custom-host.example.com:8080');
  });

  it('leaves envd, the interpreter and unmasked sandboxes alone', () => {
    expect(maskedHost(masked, 49983)).toBeUndefined();
    expect(maskedHost(masked, 49999)).toBeUndefined();
    expect(maskedHost({ network: { egress: OPEN_EGRESS, allowPublicTraffic: true } }, 8080)).toBeUndefined();
    expect(maskedHost({}, 8080)).toBeUndefined();
  });
});
