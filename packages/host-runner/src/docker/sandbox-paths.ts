import { join } from 'node:path';
import { AGENT_SOCKET_NAME, SANDBOX_ID_PATTERN } from '@codebox/protocol';
import { InvalidSandboxSpecError } from './errors.js';

/** Host-side files of one sandbox, all under `<dataDir>/sandboxes/<id>/` so removal is one rm -r. */
export interface SandboxPaths {
  root: string;
  /** Bind-mounted to /run/codebox; holds the agent socket. Mode 0700, root. */
  runDir: string;
  agentSocket: string;
  /** Sparse ext4 image backing /home/user. */
  homeImage: string;
  /** Loop mount point of homeImage, bind-mounted to /home/user. */
  homeMount: string;
  /** Newer expiry than the label (labels cannot change). */
  expiresAtFile: string;
  /** The sandbox's network settings (egress policy); labels cannot change, updates rewrite it. */
  networkFile: string;
  /** Warm-pool sandboxes only: who it was handed to (owner-file.ts); absent while pooled. */
  ownerFile: string;
  /**
   * Exists from the directory's first moment until the create is complete (agent healthy, just
   * before the runner answers 201): a container whose sandbox still has it is a half-made
   * sandbox of a runner that died mid-create, and is reaped, never adopted.
   */
  creatingMarker: string;
}

export function sandboxesDir(dataDir: string): string {
  return join(dataDir, 'sandboxes');
}

export function sandboxPaths(dataDir: string, sandboxId: string): SandboxPaths {
  // The id becomes a path component that is later removed recursively: never trust its shape.
  if (!SANDBOX_ID_PATTERN.test(sandboxId)) {
    throw new InvalidSandboxSpecError(`sandbox id ${JSON.stringify(sandboxId)} must match ${SANDBOX_ID_PATTERN}`);
  }
  const root = join(sandboxesDir(dataDir), sandboxId);
  const runDir = join(root, 'run');
  return {
    root,
    runDir,
    agentSocket: join(runDir, AGENT_SOCKET_NAME),
    homeImage: join(root, 'home.img'),
    homeMount: join(root, 'home'),
    expiresAtFile: join(root, 'expires-at'),
    networkFile: join(root, 'network.json'),
    ownerFile: join(root, 'owner.json'),
    creatingMarker: join(root, 'creating'),
  };
}
