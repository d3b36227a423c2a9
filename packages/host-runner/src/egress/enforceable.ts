import { InvalidRequestError } from '../sandboxes/errors.js';
import type { EgressPolicy } from './egress-policy.js';

/**
 * The capability gate: parts of a policy this build cannot enforce are refused (400, naming the
 * field) instead of accepted and ignored. Host names, transform rules and an upstream SOCKS5
 * proxy need the egress proxy; each line goes when the proxy that enforces it is merged.
 */
export function assertEnforceable(policy: EgressPolicy, prefix: string): void {
  const needsProxy = (field: string, what: string): never => {
    throw new InvalidRequestError(`${prefix}${field}: ${what} needs the egress proxy, not in this build; use IPv4 addresses and CIDRs only.`);
  };
  const domain = policy.allowOut.find((destination) => destination.kind === 'domain');
  if (domain) needsProxy('allowOut', `the host name "${domain.pattern}"`);
  if (Object.keys(policy.rules).length > 0) needsProxy('rules', 'per-domain transform rules');
  if (policy.egressProxy) needsProxy('egressProxy', 'an upstream SOCKS5 proxy');
}
