import type { Logger } from 'pino';
import type { DnsPolicy } from '../dns/dns-forwarder.js';
import { DnsPins } from '../egress/dns-pins.js';
import { EgressFloor } from '../egress/egress-floor.js';
import { needsEgressProxy, type EgressPolicy, type EgressPolicySource } from '../egress/egress-policy.js';
import { EgressProxy, type EgressInterceptor, type EgressProxyLimits } from '../egress/egress-proxy.js';
import { EgressRedirect } from './egress-redirect.js';
import { SPECIAL_PURPOSE_IPV4 } from './special-purpose-addresses.js';

export interface EgressServiceOptions {
  /** Linux interface name of the sandbox bridge. */
  bridge: string;
  /** The runner's nat chain for redirects (sandbox-network.ts names it). */
  natChain: string;
  /** Bridge gateway address: where the proxy listens, beside the DNS forwarder. */
  gateway: string;
  /** The proxy's TCP port on the gateway. */
  port: number;
  /** Operator exceptions to the special-purpose list (`network.egressAllow`). */
  egressAllow: readonly string[];
  hostNetworks: readonly string[];
  source: EgressPolicySource;
  logger: Logger;
  limits?: Partial<EgressProxyLimits>;
  interceptor?: EgressInterceptor;
}

/**
 * The backend's handle on host-name egress: the proxy, its redirect rules, the DNS pins and the
 * floor, started and stopped together. The backend (or the policy registry) reports two events
 * per sandbox address: `apply` when a policy is set or changed, `release` when the sandbox is
 * gone. Changing a policy never cuts existing connections: a connection's verdict is taken once,
 * at accept, and new connections follow the new policy.
 */
export class EgressService {
  readonly floor: EgressFloor;
  readonly pins: DnsPins;
  readonly proxy: EgressProxy;
  private readonly redirect: EgressRedirect;

  constructor(options: EgressServiceOptions) {
    this.floor = new EgressFloor({
      specialPurpose: SPECIAL_PURPOSE_IPV4.map((block) => block.cidr),
      egressAllow: options.egressAllow,
      hostNetworks: options.hostNetworks,
    });
    this.pins = new DnsPins(options.source);
    this.proxy = new EgressProxy({
      listen: { address: options.gateway, port: options.port },
      source: options.source,
      pins: this.pins,
      floor: this.floor,
      logger: options.logger,
      ...(options.limits ? { limits: options.limits } : {}),
      ...(options.interceptor ? { interceptor: options.interceptor } : {}),
    });
    this.redirect = new EgressRedirect(
      { bridge: options.bridge, chain: options.natChain, gateway: options.gateway, port: options.port },
      options.logger,
    );
  }

  /** The DNS forwarder's policy: pins answers, refuses queries of sandboxes that can reach nothing. */
  get dnsPolicy(): DnsPolicy {
    return this.pins;
  }

  /** Listens first, then redirects: a redirected connection never meets a closed port at start. */
  async start(): Promise<void> {
    await this.proxy.start();
    await this.redirect.install();
  }

  /** Stops accepting. The redirect rules stay (fail closed) until `removeRules`, once the bridge is empty. */
  async stop(): Promise<void> {
    await this.proxy.stop();
  }

  removeRules(): Promise<void> {
    return this.redirect.remove();
  }

  hostNetworksChanged(networks: readonly string[]): void {
    this.floor.setHostNetworks(networks);
  }

  /** The sandbox at `address` now has `policy`: through the proxy if the policy needs it, else the plain path. */
  apply(address: string, policy: EgressPolicy): Promise<void> {
    return needsEgressProxy(policy) ? this.redirect.attach(address) : this.redirect.detach(address);
  }

  /** The sandbox at `address` is gone: no redirect, no pins left for whoever gets the address next. */
  async release(address: string): Promise<void> {
    this.pins.forget(address);
    await this.redirect.detach(address);
  }

  /** Releases every redirected address no container holds any more (garbage collection). */
  async releaseUnused(inUse: ReadonlySet<string>): Promise<void> {
    for (const address of this.redirect.redirected()) if (!inUse.has(address)) await this.release(address);
  }
}
