import { access } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import type Dockerode from 'dockerode';
import { OPEN_EGRESS } from '../egress/egress-policy.js';
import { readNetworkFile } from './network-file.js';
import type { PooledSandbox, SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import type { SandboxNetworkSettings } from '../egress/egress-policy.js';
import { effectiveExpiry, readExpiryFile } from './expiry-file.js';
import { readOwnerFile } from './owner-file.js';
import { LABEL, parseSandboxLabels, type LabelledSandbox } from './sandbox-labels.js';
import { sandboxPaths } from './sandbox-paths.js';

/**
 * A listed container as a SandboxRecord; undefined for containers without complete sandbox labels
 * and for warm-pool containers nobody owns yet (`pooledFromContainer`'s).
 */
export async function sandboxRecordFromContainer(info: Dockerode.ContainerInfo, dataDir: string, networkName: string): Promise<SandboxRecord | undefined> {
  const parsed = parseSandboxLabels(info.Labels ?? {});
  if (!parsed) return undefined;
  const paths = sandboxPaths(dataDir, parsed.sandboxId);
  let labelled: LabelledSandbox = parsed;
  if (info.Labels?.[LABEL.pooled] === 'true') {
    // A handed-over pool container: its owner is in the file, its labels are the pool's placeholders.
    const owner = await readOwnerFile(paths.ownerFile);
    if (!owner) return undefined;
    const { accessToken: _a, trafficAccessToken: _t, ...rest } = parsed;
    labelled = { ...rest, ...owner };
  }
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

/** A warm-pool container nobody owns yet; undefined for every other container. */
export async function pooledFromContainer(info: Dockerode.ContainerInfo, dataDir: string): Promise<PooledSandbox | undefined> {
  if (info.Labels?.[LABEL.pooled] !== 'true') return undefined;
  const labelled = parseSandboxLabels(info.Labels);
  if (!labelled) return undefined;
  const paths = sandboxPaths(dataDir, labelled.sandboxId);
  if (await pathExists(paths.ownerFile)) return undefined;
  return {
    sandboxId: labelled.sandboxId,
    templateId: labelled.templateId,
    image: info.Image,
    runtime: labelled.runtime ?? 'runc',
    limits: labelled.limits,
    status: (await pathExists(paths.creatingMarker)) ? 'incomplete' : info.State === 'running' ? 'running' : 'exited',
  };
}

/** The record of a sandbox whose create (cold, or a warm-pool hand-over) just completed. */
export function startedSandboxRecord(spec: SandboxSpec, network: SandboxNetworkSettings, agentSocketPath: string, address: string | undefined): SandboxRecord {
  return {
    sandboxId: spec.sandboxId,
    tenant: spec.tenant,
    templateId: spec.templateId,
    metadata: spec.metadata,
    allowInternetAccess: spec.allowInternetAccess,
    ...(spec.accessToken ? { accessToken: spec.accessToken } : {}),
    ...(spec.trafficAccessToken ? { trafficAccessToken: spec.trafficAccessToken } : {}),
    startedAt: spec.startedAt,
    expiresAt: spec.expiresAt,
    limits: spec.limits,
    runtime: spec.runtime ?? 'runc',
    ...(spec.volumeMounts?.length ? { volumeMounts: spec.volumeMounts.map(({ name, path }) => ({ name, path })) } : {}),
    status: 'running',
    agentSocketPath,
    network,
    ...(address === undefined ? {} : { address }),
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
