import type { EgressPolicySource, SandboxEgress } from './egress-policy.js';

/**
 * Stand-in for the registry of sandbox policies (issue 11, engineer A's slice owns the real one,
 * persisted and refilled on adopt): source address on the bridge → sandbox and its current
 * policy. Kept minimal so the egress proxy can be exercised end to end; at merge it gives way to
 * the real registry, which must keep `lookup` and report address changes to `EgressService`.
 */
export class SandboxEgressRegistry implements EgressPolicySource {
  private readonly byAddress = new Map<string, SandboxEgress>();

  lookup(address: string): SandboxEgress | undefined {
    return this.byAddress.get(address);
  }

  set(address: string, egress: SandboxEgress): void {
    this.byAddress.set(address, egress);
  }

  delete(address: string): void {
    this.byAddress.delete(address);
  }

  /** The address a sandbox holds, if it has an entry. */
  addressOf(sandboxId: string): string | undefined {
    for (const [address, egress] of this.byAddress) if (egress.sandboxId === sandboxId) return address;
    return undefined;
  }

  entries(): IterableIterator<[string, SandboxEgress]> {
    return this.byAddress.entries();
  }
}
