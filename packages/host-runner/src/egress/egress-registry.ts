import type { EgressPolicy, EgressPolicySource, SandboxEgress } from './egress-policy.js';

/**
 * Source address on the bridge → sandbox and its current policy. The Docker backend keeps it
 * current (create, update, re-adoption at start, destroy, garbage collection), because it learns
 * the address when the container starts, before anyone can use the sandbox; the DNS forwarder
 * and the egress proxy read it per packet or connection.
 */
export class EgressRegistry implements EgressPolicySource {
  readonly #byAddress = new Map<string, SandboxEgress>();
  readonly #addressOf = new Map<string, string>();

  lookup(address: string): SandboxEgress | undefined {
    return this.#byAddress.get(address);
  }

  /** Records (or replaces) a sandbox's entry; a sandbox without a bridge address has none. */
  set(sandboxId: string, tenant: string, address: string | undefined, policy: EgressPolicy): void {
    this.delete(sandboxId);
    if (address === undefined) return;
    this.#byAddress.set(address, { sandboxId, tenant, policy });
    this.#addressOf.set(sandboxId, address);
  }

  delete(sandboxId: string): void {
    const address = this.#addressOf.get(sandboxId);
    if (address === undefined) return;
    this.#addressOf.delete(sandboxId);
    // Docker may already have handed the address to a newer sandbox: only drop our own entry.
    if (this.#byAddress.get(address)?.sandboxId === sandboxId) this.#byAddress.delete(address);
  }

  /** The address a sandbox holds, if it has an entry. */
  addressOf(sandboxId: string): string | undefined {
    return this.#addressOf.get(sandboxId);
  }

  sandboxIds(): string[] {
    return [...this.#addressOf.keys()];
  }

  get size(): number {
    return this.#addressOf.size;
  }
}
