import { access } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { SandboxRecord } from '../sandboxes/sandbox-backend.js';
import { effectiveExpiry, readExpiryFile } from './expiry-file.js';
import { parseSandboxLabels } from './sandbox-labels.js';
import { sandboxPaths } from './sandbox-paths.js';

/** A listed container as a SandboxRecord; undefined for containers without complete sandbox labels. */
export async function sandboxRecordFromContainer(info: Dockerode.ContainerInfo, dataDir: string): Promise<SandboxRecord | undefined> {
  const labelled = parseSandboxLabels(info.Labels ?? {});
  if (!labelled) return undefined;
  const paths = sandboxPaths(dataDir, labelled.sandboxId);
  return {
    ...labelled,
    expiresAt: effectiveExpiry(labelled.expiresAt, await readExpiryFile(paths.expiresAtFile)),
    // A create still marked in progress belongs to no live request of this process (the manager
    // skips its own pending ids): it is the leftover of a runner that died mid-create.
    // created/restarting/paused never serve requests; only a running container has a live agent.
    status: (await pathExists(paths.creatingMarker)) ? 'incomplete' : info.State === 'running' ? 'running' : 'exited',
    agentSocketPath: paths.agentSocket,
  };
}

async function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
