import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { LABEL } from './sandbox-labels.js';
import type { EgressFirewallConfig } from './egress-firewall.js';
import { SandboxNetworkConflictError, isDockerNotFound } from './errors.js';

export interface SandboxNetworkNames {
  /** Docker network name. */
  network: string;
  /** Linux bridge interface (<= 15 chars), fixed so firewall rules can name it. */
  bridge: string;
  inputChain: string;
  forwardChain: string;
  hostNetworksChain: string;
  /** Dispatch to the per-sandbox policy chains (`sandbox-egress-chain.ts`). */
  policyChain: string;
  /** The runner's hash, the last part of every chain name of this runner. */
  hash: string;
  /** nat chain redirecting the TCP of sandboxes whose policy needs the egress proxy. */
  egressRedirectChain: string;
}

/** Names derived from the runner name; hashed where kernel length limits apply (IFNAMSIZ, chain names). */
export function sandboxNetworkNames(runnerName: string): SandboxNetworkNames {
  const h = createHash('sha256').update(runnerName).digest('hex').slice(0, 8);
  return {
    network: `codebox-${runnerName}`,
    bridge: `cbx-${h}`,
    inputChain: `CODEBOX-IN-${h}`,
    forwardChain: `CODEBOX-FWD-${h}`,
    hostNetworksChain: `CODEBOX-NET-${h}`,
    policyChain: `CODEBOX-POL-${h}`,
    hash: h,
    egressRedirectChain: `CODEBOX-EGP-${h}`,
  };
}

const ICC_OPTION = 'com.docker.network.bridge.enable_icc';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/**
 * Creates the runner's bridge (inter-container traffic off, no IPv6) unless it is already there.
 * Returns the bridge's gateway address, where the runner's DNS forwarder listens.
 */
export async function ensureSandboxNetwork(docker: Dockerode, runnerName: string, logger: Logger): Promise<string> {
  const names = sandboxNetworkNames(runnerName);
  const existing = await inspectNetwork(docker, names.network);
  if (existing) {
    const options = existing.Options ?? {};
    if (options[ICC_OPTION] !== 'false') throw new SandboxNetworkConflictError(names.network, 'lets containers talk to each other (icc on)');
    if (options[BRIDGE_NAME_OPTION] !== names.bridge) {
      throw new SandboxNetworkConflictError(names.network, `uses bridge ${options[BRIDGE_NAME_OPTION] ?? '(default)'} instead of ${names.bridge}`);
    }
    if (existing.EnableIPv6) throw new SandboxNetworkConflictError(names.network, 'has IPv6 enabled');
    return gatewayOf(existing, names.network);
  }
  await docker.createNetwork({
    Name: names.network,
    Driver: 'bridge',
    CheckDuplicate: true,
    EnableIPv6: false,
    Internal: false,
    Attachable: false,
    Options: { [ICC_OPTION]: 'false', [BRIDGE_NAME_OPTION]: names.bridge },
    Labels: { [LABEL.runner]: runnerName },
  });
  logger.info({ network: names.network, bridge: names.bridge }, 'created sandbox network');
  const created = await inspectNetwork(docker, names.network);
  if (!created) throw new SandboxNetworkConflictError(names.network, 'vanished right after it was created');
  return gatewayOf(created, names.network);
}

function gatewayOf(network: Dockerode.NetworkInspectInfo, name: string): string {
  const gateway = network.IPAM?.Config?.map((c) => c.Gateway).find((g): g is string => g !== undefined && isIPv4(g));
  if (!gateway) throw new SandboxNetworkConflictError(name, 'has no IPv4 gateway');
  return gateway;
}

/** Removes the runner's network if no container uses it any more; returns whether it is gone. */
export async function removeSandboxNetworkIfUnused(docker: Dockerode, runnerName: string, logger: Logger): Promise<boolean> {
  const names = sandboxNetworkNames(runnerName);
  const existing = await inspectNetwork(docker, names.network);
  if (!existing) return true;
  if (Object.keys(existing.Containers ?? {}).length > 0) return false;
  await docker.getNetwork(names.network).remove();
  logger.info({ network: names.network }, 'removed sandbox network');
  return true;
}

export function firewallConfig(runnerName: string, gateway: string, allow: readonly string[], egressProxyPort?: number): EgressFirewallConfig {
  const names = sandboxNetworkNames(runnerName);
  return {
    bridge: names.bridge,
    inputChain: names.inputChain,
    forwardChain: names.forwardChain,
    hostNetworksChain: names.hostNetworksChain,
    policyChain: names.policyChain,
    dns: { address: gateway, port: 53 },
    allow,
    ...(egressProxyPort === undefined ? {} : { egressProxyPort }),
  };
}

async function inspectNetwork(docker: Dockerode, name: string): Promise<Dockerode.NetworkInspectInfo | undefined> {
  try {
    return (await docker.getNetwork(name).inspect()) as Dockerode.NetworkInspectInfo;
  } catch (err) {
    if (isDockerNotFound(err)) return undefined;
    throw err;
  }
}
