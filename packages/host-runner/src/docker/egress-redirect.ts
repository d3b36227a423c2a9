import type { Logger } from 'pino';
import { deleteJumps, ensureJump, restore, run, succeeds, type Rule } from './egress-firewall.js';

/**
 * The iptables nat rules that send a sandbox's TCP to the egress proxy: one chain per runner,
 * jumped to from PREROUTING for the sandbox bridge, with one REDIRECT per sandbox whose policy
 * needs the proxy. Every other sandbox never meets the proxy: its packets keep the plain
 * forward path. The chain's whole content is replaced in one iptables-restore transaction
 * whenever the set of redirected sandboxes changes.
 */
export interface EgressRedirectConfig {
  /** Linux interface name of the sandbox bridge. */
  readonly bridge: string;
  /** The nat chain (per runner). */
  readonly chain: string;
  /** The bridge gateway: the runner's DNS forwarder and the proxy listen there. */
  readonly gateway: string;
  /** The proxy's TCP port on the gateway. */
  readonly port: number;
}

const NAT = 'nat';

/** The chain's rules for the given sandbox addresses. The gateway itself (DNS over TCP) is never redirected. */
export function redirectRules(config: EgressRedirectConfig, addresses: Iterable<string>): Rule[] {
  const rules: Rule[] = [['-d', `${config.gateway}/32`, '-j', 'RETURN']];
  for (const address of [...addresses].sort()) {
    rules.push(['-s', `${address}/32`, '-p', 'tcp', '-j', 'REDIRECT', '--to-ports', String(config.port)]);
  }
  return rules;
}

/** The sandbox addresses an existing chain redirects (`iptables -S` output). */
export function redirectedAddresses(listing: string, chain: string): string[] {
  const pattern = new RegExp(`^-A ${chain} -s (\\d+\\.\\d+\\.\\d+\\.\\d+)/32 -p tcp .*-j REDIRECT`);
  return listing.split('\n').flatMap((line) => {
    const address = pattern.exec(line)?.[1];
    return address === undefined ? [] : [address];
  });
}

function jump(config: EgressRedirectConfig): Rule {
  return ['-t', NAT, '-i', config.bridge, '-j', config.chain];
}

export class EgressRedirect {
  private readonly addresses = new Set<string>();
  /** Changes are applied one at a time, in order: the last call wins. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: EgressRedirectConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * Creates the chain and jumps to it. Idempotent. Redirects a previous run left in place are
   * kept (fail closed across a restart: until its policy is known again, such a sandbox's
   * connections meet a proxy that knows no policy for it and closes them); `detach` drops them.
   */
  async install(): Promise<void> {
    if (await succeeds('iptables', ['-t', NAT, '-S', this.config.chain])) {
      const listing = await run('iptables', ['-t', NAT, '-S', this.config.chain], this.logger);
      for (const address of redirectedAddresses(listing, this.config.chain)) this.addresses.add(address);
    }
    await this.apply();
    await ensureJump('iptables', 'PREROUTING', jump(this.config), this.logger);
  }

  /** Redirects the sandbox at `address` through the proxy from its next connection on. */
  attach(address: string): Promise<void> {
    if (this.addresses.has(address)) return this.queue;
    this.addresses.add(address);
    return this.enqueue();
  }

  /** Back to the plain path (or, for a destroyed sandbox, nothing left behind). */
  detach(address: string): Promise<void> {
    if (!this.addresses.delete(address)) return this.queue;
    return this.enqueue();
  }

  redirected(): string[] {
    return [...this.addresses];
  }

  /** Removes the jump and the chain. Idempotent. */
  async remove(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.addresses.clear();
    await deleteJumps('iptables', 'PREROUTING', jump(this.config), this.logger);
    if (await succeeds('iptables', ['-t', NAT, '-S', this.config.chain])) {
      await run('iptables', ['-t', NAT, '-F', this.config.chain], this.logger);
      await run('iptables', ['-t', NAT, '-X', this.config.chain], this.logger);
    }
  }

  private enqueue(): Promise<void> {
    const next = this.queue.catch(() => undefined).then(() => this.apply());
    this.queue = next;
    return next;
  }

  private apply(): Promise<void> {
    return restore('iptables', [[this.config.chain, redirectRules(this.config, this.addresses)]], NAT);
  }
}
