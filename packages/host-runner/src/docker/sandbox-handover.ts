import { unlink, writeFile } from 'node:fs/promises';
import type { SandboxOwner, SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { SandboxNotFoundError } from '../sandboxes/errors.js';
import { crashPoint } from '../fault-injection.js';
import { initPooledAgent } from './agent-init.js';
import { agentSandboxEnvs, containerName } from './container-spec.js';
import type { DockerBackendContext } from './docker-backend-context.js';
import { dataDirFullErrorFor } from './data-dir-space.js';
import { isDockerNotFound, PooledSandboxUnusableError } from './errors.js';
import { writeExpiryFile } from './expiry-file.js';
import { writeNetworkFile } from './network-file.js';
import { writeOwnerFile } from './owner-file.js';
import { applySandboxChain, needsSandboxChain } from './sandbox-egress-chain.js';
import { LABEL, parseSandboxLabels } from './sandbox-labels.js';
import { sandboxPaths } from './sandbox-paths.js';
import { bridgeAddress, startedSandboxRecord } from './sandbox-records.js';
import { destroySandbox } from './sandbox-stopping.js';

/** How long the agent may take to answer its hand-over: it only swaps a map and restarts kernels in the background. */
const INIT_TIMEOUT_MS = 10_000;

/**
 * Makes a warm-pool container `owner`'s sandbox, in the order a cold create keeps: the creating
 * marker first (a runner that dies from here on leaves an `incomplete` sandbox, reaped at its next
 * start), then the files a restarted runner reads the sandbox back from (owner, expiry, network),
 * then the agent's env vars, then the policy's chain, all before the caller learns the sandbox.
 * The registry and the proxy redirect follow in the backend, as for a cold create. On failure the
 * container is removed: a half-handed-over sandbox is nobody's.
 */
export async function handOverSandbox(context: DockerBackendContext, sandboxId: string, owner: SandboxOwner): Promise<SandboxRecord> {
  const paths = sandboxPaths(context.dataDir, sandboxId);
  const log = context.logger.child({ sandboxId });
  const container = await context.docker
    .getContainer(containerName(sandboxId))
    .inspect()
    .catch((err: unknown) => {
      if (isDockerNotFound(err)) throw new SandboxNotFoundError(sandboxId);
      throw err;
    });
  const labelled = parseSandboxLabels(container.Config.Labels ?? {});
  if (!labelled || container.Config.Labels?.[LABEL.pooled] !== 'true') throw new SandboxNotFoundError(sandboxId);
  try {
    // A container that stopped while it waited (its agent died, OOM, someone stopped it) serves no one.
    if (!container.State.Running || container.State.Paused) throw new PooledSandboxUnusableError(sandboxId, `its container is ${container.State.Status}`);
    await writeFile(paths.creatingMarker, '', { mode: 0o600, flag: 'wx' });
    // Independent of each other (the marker covers all three): written at once, each atomically;
    // all settled before a failure is handled, so the clean-up races no write.
    const written = await Promise.allSettled([
      writeOwnerFile(paths.ownerFile, {
        tenant: owner.tenant,
        metadata: owner.metadata,
        ...(owner.accessToken ? { accessToken: owner.accessToken } : {}),
        ...(owner.trafficAccessToken ? { trafficAccessToken: owner.trafficAccessToken } : {}),
        startedAt: owner.startedAt,
      }),
      writeExpiryFile(paths.expiresAtFile, owner.expiresAt),
      writeNetworkFile(paths.networkFile, owner.network),
    ]);
    for (const result of written) if (result.status === 'rejected') throw result.reason;
    crashPoint('handover:after-owner-file');
    await initPooledAgent(sandboxId, paths.agentSocket, agentSandboxEnvs(owner.envVars, labelled.allowInternetAccess), INIT_TIMEOUT_MS);
    const address = labelled.allowInternetAccess ? bridgeAddress(container, context.networkName) : undefined;
    if (address !== undefined && needsSandboxChain(owner.network.egress)) {
      await applySandboxChain(context.egressChains, sandboxId, address, owner.network.egress, log);
    }
    await unlink(paths.creatingMarker);
    const { tenant, metadata, envVars: _envVars, network, ...tokens } = owner;
    // Pooled containers never have volumes (pool-eligibility.ts): such creates go cold.
    const { volumeMounts: _volumes, ...pooled } = labelled;
    return startedSandboxRecord(
      {
        ...pooled,
        ...tokens,
        tenant,
        metadata,
        image: container.Config.Image,
        envVars: {},
        runtime: labelled.runtime ?? 'runc',
      },
      network,
      paths.agentSocket,
      address,
    );
  } catch (err) {
    log.warn({ err }, 'hand-over of a pooled sandbox failed; removing it');
    await destroySandbox(context, sandboxId).catch((cleanupErr: unknown) => log.error({ err: cleanupErr }, 'removing the failed pooled sandbox failed; collectGarbage will retry'));
    throw dataDirFullErrorFor(err, context.dataDir) ?? err;
  }
}
