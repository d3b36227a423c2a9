import { InvalidRequestError } from '../sandboxes/errors.js';
import type { EgressPolicy } from './egress-policy.js';

/**
 * The capability gate: parts of a policy this build cannot enforce are refused (400, naming the
 * field) instead of accepted and ignored. Header transform rules need the egress interception;
 * the line goes when it is merged.
 */
export function assertEnforceable(policy: EgressPolicy, prefix: string): void {
  const needsProxy = (field: string, what: string): never => {
    throw new InvalidRequestError(`${prefix}${field}: ${what} needs the egress proxy, not in this build.`);
  };
  if (Object.keys(policy.rules).length > 0) needsProxy('rules', 'per-domain transform rules');
}
