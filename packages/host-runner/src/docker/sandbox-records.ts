import { access } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import type Dockerode from 'dockerode';
import { OPEN_EGRESS } from '../egress/egress-policy.js';
import { readNetworkFile } from './network-file.js';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { effectiveExpiry, readExpiryFile } from './expiry-file.js';
import { parseSandboxLabels } from './sandbox-labels.js';
import { sandboxPaths } from './sandbox-paths.js';

/** A listed container as a SandboxRecord; undefined for containers without complete sandbox labels. */
export async function sandboxRecordFromContainer(info: Dockerode.ContainerInfo, dataDir: string, networkName: string): Promise<SandboxRecord | undefined> {
  const labelled = parseSandboxLabels(info.Labels ?? {});
  if (!labelled) return undefined;
  const paths = sandboxPaths(dataDir, labelled.sandboxId);
  const address = labelled.allowInternetAccess ? bridgeAddress(info, networkName) : undefined;
  return {
    ...labelled,
    expiresAt: effectiveExpiry(labelled.expiresAt, await readExpiryFile(paths.expiresAtFile)),
    // A create still marked in progress belongs to no live request of this process (the manager
    // skips its own pending ids): it is the leftover of a runner that died mid-create.
    // created/restarting/paused never serve requests; only a running container has a live agent.
    network: (await readNetworkFile(paths.networkFile)) ?? { egress: OPEN_EGRESS, allowPublicTraffic: labelled.trafficAccessToken === undefined },
    ...(address === undefined ? {} : { address }),
    status: (await pathExists(paths.creatingMarker)) ? 'incomplete' : info.State === 'running' ? 'running' : 'exited',
    agentSocketPath: paths.agentSocket,
  };
}

/** The container's IPv4 address on the runner's bridge (from a listing or an inspect); undefined when it has none. */
export function bridgeAddress(
  container: { NetworkSettings?: { Networks?: Record<string, { IPAddress?: string } | undefined> } },
  networkName: string | undefined,
): string | undefined {
  if (networkName === undefined) return undefined;
  const address = container.NetworkSettings?.Networks?.[networkName]?.IPAddress;
  return address && isIPv4(address) ? address : undefined;
}

async function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
