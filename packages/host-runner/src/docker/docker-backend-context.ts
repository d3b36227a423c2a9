import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import type { TemplateAccounts } from './sandbox-accounts.js';
import type { SandboxChainTarget } from './sandbox-egress-chain.js';
import type { SandboxUidAllocator } from './sandbox-uids.js';
import type { HostVolumeStore } from './volume-store.js';

/**
 * The Docker backend's shared state and settings (the client, data dir, network, uid pools), built
 * once by DockerBackend and handed to `startSandbox`, `destroySandbox` and the collector. Not a
 * sandbox's environment variables: those are `SandboxSpec.envVars`.
 */
export interface DockerBackendContext {
  docker: Dockerode;
  runnerName: string;
  dataDir: string;
  logger: Logger;
  /** `loop` when start() proved loop-mounted ext4 images work here; `tmpfs` otherwise. */
  homeDisks: 'loop' | 'tmpfs';
  /** Set once start() prepared the bridge network and firewall. */
  networkName: string | undefined;
  /** The runner's DNS forwarder (the bridge gateway), set with networkName. */
  dnsServer: string | undefined;
  /** Where per-sandbox egress chains hang (the runner's policy chain); always known (names only). */
  egressChains: SandboxChainTarget;
  healthTimeoutMs: number;
  healthIntervalMs: number;
  /** Each sandbox's own host uid, unique across the runners of this host. */
  uids: SandboxUidAllocator;
  /** Whether runc sandboxes get root in a user namespace of their own (templates may opt out). */
  rootAccess: boolean;
  /** Blocks of 65,536 uids for those sandboxes. */
  uidBlocks: SandboxUidAllocator;
  /** The templates' passwd/group, for each sandbox's renumbered copy. */
  accounts: TemplateAccounts;
  /** Named volumes, for mounting them into sandboxes. */
  volumes: HostVolumeStore;
}
