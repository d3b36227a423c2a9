/**
 * A sandbox's egress policy: E2B's `network` options (`allowOut`, `denyOut`, `rules`,
 * `egressProxy`), parsed once at the API and held in this shape by everything downstream
 * (the backend persists it, iptables enforces its address part, the egress proxy its name part,
 * header transforms and the upstream SOCKS5 hop). Defined here, once, so the API, the backend
 * and the proxy cannot disagree on what a rule means.
 *
 * Semantics (E2B's): an `allowOut` entry always wins over a `denyOut` entry; what neither lists
 * is allowed. Whatever the policy says, the host itself, its connected networks and the
 * special-purpose blocks stay unreachable (the egress floor, `docker/egress-firewall.ts`).
 */

/** An IPv4 CIDR block, normalised (`8.8.8.8` → `8.8.8.8/32`, host bits cleared). */
export interface CidrDestination {
  readonly kind: 'cidr';
  readonly cidr: string;
}

/**
 * A host name as the sandbox asked for it (HTTP `Host`, TLS SNI), matched case-insensitively:
 * `example.com` matches exactly that name, `*.example.com` any name below it (not the apex).
 */
export interface DomainDestination {
  readonly kind: 'domain';
  /** Lower-case, no trailing dot. */
  readonly pattern: string;
}

export type EgressDestination = CidrDestination | DomainDestination;

/**
 * Headers added to (or replacing) those of matching HTTP/HTTPS requests on the way out. Values
 * may contain `${e2b.secrets.<name>}` placeholders, resolved from the tenant's secrets by the
 * egress proxy per request, so the value never enters the sandbox.
 */
export interface HeaderTransform {
  readonly headers: Readonly<Record<string, string>>;
}

export interface EgressRule {
  readonly transform?: HeaderTransform;
}

/** An upstream SOCKS5 proxy (E2B's `egressProxy`) that allowed TCP egress is tunnelled through. */
export interface EgressProxySetting {
  /** `host:port`. */
  readonly address: string;
  readonly username?: string;
  readonly password?: string;
}

export interface EgressPolicy {
  readonly allowOut: readonly EgressDestination[];
  /** E2B accepts only addresses and CIDRs here; names are refused at the API. */
  readonly denyOut: readonly CidrDestination[];
  /** Keyed by domain pattern (same spelling as a `DomainDestination`). A rule does not allow traffic by itself. */
  readonly rules: Readonly<Record<string, readonly EgressRule[]>>;
  readonly egressProxy?: EgressProxySetting;
}

/** The policy of a sandbox created without `network` rules: everything the floor allows. */
export const OPEN_EGRESS: EgressPolicy = Object.freeze({ allowOut: [], denyOut: [], rules: {} });

/** Everything a sandbox's `network` settles, at create and (for `egress`) through `PUT /sandboxes/{id}/network`. */
export interface SandboxNetworkSettings {
  readonly egress: EgressPolicy;
  /** `false`: every user port demands the sandbox's traffic access token. Create-time only. */
  readonly allowPublicTraffic: boolean;
  /** E2B's `maskRequestHost`: the Host header user servers see; `${PORT}` is replaced by the port. Create-time only. */
  readonly maskRequestHost?: string;
}

/**
 * Whether iptables alone can enforce the policy: no names to match, no transforms, no upstream
 * proxy. Otherwise the sandbox's TCP goes through the egress proxy, which sees the names.
 */
export function needsEgressProxy(policy: EgressPolicy): boolean {
  return (
    policy.egressProxy !== undefined ||
    Object.keys(policy.rules).length > 0 ||
    policy.allowOut.some((destination) => destination.kind === 'domain')
  );
}

/** The sandbox behind a source address on the runner's bridge, and the policy its traffic obeys now. */
export interface SandboxEgress {
  readonly sandboxId: string;
  readonly tenant: string;
  readonly policy: EgressPolicy;
}

/**
 * Where the DNS forwarder and the egress proxy learn whose packet they hold: sandboxes cannot
 * spoof their source address on the bridge (no CAP_NET_RAW, no CAP_NET_ADMIN in the bridge's
 * namespace), so the address names the sandbox. Kept current on create, update, adopt and destroy.
 */
export interface EgressPolicySource {
  lookup(address: string): SandboxEgress | undefined;
}
