import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { domainMatches } from './egress-decision.js';
import type { EgressPolicy, HeaderTransform } from './egress-policy.js';
import type { EgressFlow, EgressInterceptor } from './egress-proxy.js';
import type { HeaderInterceptor } from './header-interception.js';
import type { SandboxCa } from './sandbox-ca.js';

/** The transforms of every `rules` entry whose pattern matches `name`, in the policy's order. */
export function transformsFor(policy: EgressPolicy, name: string): HeaderTransform[] {
  const transforms: HeaderTransform[] = [];
  for (const [pattern, rules] of Object.entries(policy.rules)) {
    if (!domainMatches(pattern, name)) continue;
    for (const rule of rules) if (rule.transform) transforms.push(rule.transform);
  }
  return transforms;
}

export interface TransformInterceptorOptions {
  readonly interceptor: HeaderInterceptor;
  /** The sandbox's own egress CA (its leaves are what the sandbox's bundle trusts). */
  readonly caOf: (sandboxId: string) => Promise<SandboxCa>;
  /** The tenant's secret, current version; undefined when it has none of that name. */
  readonly resolveSecret: (tenant: string, name: string) => string | undefined;
  readonly logger: Logger;
}

/**
 * The egress proxy's `EgressInterceptor` for E2B's `network.rules`: an allowed HTTP or TLS flow
 * whose name matches a rule with a transform is handed to the header interception instead of
 * being relayed. Only a **pinned** name qualifies (the runner's DNS forwarder told this sandbox
 * that the name has this address): otherwise a sandbox could present an API's name toward an
 * address of its own choosing and collect the secret meant for that API. An unpinned flow is
 * relayed untouched, without the header.
 */
export class TransformInterceptor implements EgressInterceptor {
  constructor(private readonly options: TransformInterceptorOptions) {}

  claims(flow: EgressFlow): boolean {
    if (flow.name === undefined || !flow.namePinned) return false;
    if (flow.protocol !== 'tls' && flow.protocol !== 'http') return false;
    return transformsFor(flow.sandbox.policy, flow.name).length > 0;
  }

  handle(flow: EgressFlow, client: Socket, openUpstream: () => Promise<Socket>): void {
    const name = flow.name ?? '';
    const { sandboxId, tenant } = flow.sandbox;
    const logger = this.options.logger.child({ sandboxId, name });
    client.pause();
    this.options.caOf(sandboxId).then(
      (sandboxCa) =>
        this.options.interceptor.intercept({
          client,
          firstBytes: flow.firstBytes,
          name,
          port: flow.destination.port,
          transforms: transformsFor(flow.sandbox.policy, name),
          resolveSecret: (secret) => this.options.resolveSecret(tenant, secret),
          connectUpstream: openUpstream,
          sandboxCa,
          logger,
        }),
      (error: unknown) => {
        logger.error({ err: error }, 'egress interception: the sandbox CA cannot be loaded; connection reset');
        client.resetAndDestroy();
      },
    );
  }
}
