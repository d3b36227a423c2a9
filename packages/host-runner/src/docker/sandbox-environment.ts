import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import type { TemplateAccounts } from './sandbox-accounts.js';
import type { SandboxUidAllocator } from './sandbox-uids.js';

/** What the per-state sandbox operations share; built once by DockerBackend. */
export interface SandboxEnvironment {
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
}
