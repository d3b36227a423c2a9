/**
 * The seam between the runner's lifecycle logic and the machinery that runs sandboxes.
 * `docker/` implements it with dockerode; a Kubernetes backend would implement the same.
 * Nothing outside a backend may talk to Docker.
 */
import type { EgressPolicy, SandboxNetworkSettings } from '../egress/egress-policy.js';
import type { SandboxRuntime } from './sandbox-runtime.js';
import type { ResolvedVolumeMount, VolumeBackend } from '../volumes/volume-backend.js';

export interface SandboxLimits {
  /** CPUs (fractional allowed). */
  cpuCount: number;
  memoryMiB: number;
  /** Writable disk for the sandbox (its home directory), enforced whatever the storage driver. */
  diskMiB: number;
  pids: number;
}

/** What the lifecycle layer asks a backend to start. */
export interface SandboxSpec {
  sandboxId: string;
  /** Opaque tenant id derived from the API key that created the sandbox. */
  tenant: string;
  /** Template name as the caller asked for it (e.g. `base`). */
  templateId: string;
  /** The resolved image reference for that template. */
  image: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  allowInternetAccess: boolean;
  /** Secret the gateway checks in `X-Access-Token`; absent for `secure: false` sandboxes. */
  accessToken?: string;
  /** Secret the gateway checks in `E2B-Traffic-Access-Token` on every port but envd's; set for `allowPublicTraffic: false`. */
  trafficAccessToken?: string;
  startedAt: Date;
  expiresAt: Date;
  limits: SandboxLimits;
  /** Isolation level (the template's, else the runner's); absent means `runc`. */
  runtime?: SandboxRuntime;
  /** E2B's `network` settings; absent means open egress (the floor only) and public ports. */
  network?: SandboxNetworkSettings;
  /** Named volumes to mount read-write (E2B's `volumeMounts`), already checked to be the tenant's. */
  volumeMounts?: readonly ResolvedVolumeMount[];
  /**
   * A warm-pool container (pool/warm-pool.ts): started with no owner yet; tenant, metadata,
   * tokens, env vars, lifetime and network come at hand-over (`PoolBackend.handOver`).
   */
  pooled?: boolean;
}

/** A sandbox as the backend reports it: everything needed to rebuild runner state after a restart. */
export interface SandboxRecord {
  sandboxId: string;
  tenant: string;
  templateId: string;
  metadata: Record<string, string>;
  allowInternetAccess: boolean;
  accessToken?: string;
  trafficAccessToken?: string;
  startedAt: Date;
  expiresAt: Date;
  limits: SandboxLimits;
  /** Isolation level it runs at; absent where a backend does not say (then `runc`). */
  runtime?: SandboxRuntime;
  /** Named volumes mounted at create, as E2B reports them (`SandboxDetail.volumeMounts`). */
  volumeMounts?: ReadonlyArray<{ name: string; path: string }>;
  /**
   * `running` while the container runs; `exited` when it stopped on its own (crash, OOM);
   * `incomplete` when its create never finished (the runner died mid-create): never adopted.
   */
  status: 'running' | 'exited' | 'incomplete';
  /** Host path of the unix socket the agent serves on; the only way in. */
  agentSocketPath: string;
  /** Its network settings as persisted (the egress policy as last updated); absent: open. */
  network?: SandboxNetworkSettings;
  /** Its IPv4 address on the runner's bridge; absent without a network device (`allowInternetAccess: false`). */
  address?: string;
}

/** A warm-pool container nobody owns yet, as the backend reports it. */
export interface PooledSandbox {
  sandboxId: string;
  templateId: string;
  /** The image reference it was started from (a template build newer than it is another reference). */
  image: string;
  runtime: SandboxRuntime;
  limits: SandboxLimits;
  /** `incomplete`: its start or its hand-over never finished (the runner stopped): removed, never used. */
  status: 'running' | 'exited' | 'incomplete';
}

/** What a hand-over gives a pooled sandbox: everything a cold create would have put in its spec. */
export interface SandboxOwner {
  tenant: string;
  metadata: Record<string, string>;
  envVars: Record<string, string>;
  accessToken?: string;
  trafficAccessToken?: string;
  startedAt: Date;
  expiresAt: Date;
  network: SandboxNetworkSettings;
}

/** The warm pool's side of a backend: pooled containers are not sandboxes (`list()` leaves them out) until handed over. */
export interface PoolBackend {
  /** Starts a container for `spec` (which has `pooled: true`) and waits for its agent, as `create` does. */
  createPooled(spec: SandboxSpec): Promise<PooledSandbox>;
  /**
   * Makes a pooled container the owner's sandbox: persists the owner (a restarted runner reads it
   * back), gives the agent its env vars, applies the network policy, and answers the record exactly
   * as `create` would have. A hand-over the runner dies in leaves an `incomplete` sandbox.
   */
  handOver(sandboxId: string, owner: SandboxOwner): Promise<SandboxRecord>;
  /** Pooled containers nobody owns yet (adopted or removed at runner start, checked while they wait). */
  listPooled(): Promise<PooledSandbox[]>;
  /** Whether a pooled container's agent answers `/health` now (the pool's periodic check; a hand-over finds out by itself). */
  agentAnswers(sandboxId: string): Promise<boolean>;
}

export interface SandboxBackend {
  /** Named persistent volumes, when the backend can keep them; absent: the volume API answers 501. */
  readonly volumes?: VolumeBackend;
  /** The warm pool's operations, when the backend can keep one; absent: every create is cold. */
  readonly pool?: PoolBackend;
  /** Creates and starts the sandbox and resolves once its agent answers `/health`. Leaves nothing behind on failure. */
  create(spec: SandboxSpec): Promise<SandboxRecord>;
  /** Stops and removes the sandbox and everything the backend made for it. Idempotent. */
  destroy(sandboxId: string): Promise<void>;
  /** Every sandbox this runner instance owns, as Docker (or the platform) reports it. */
  list(): Promise<SandboxRecord[]>;
  /** Persists a new expiry so a restarted runner sees it. */
  setExpiry(sandboxId: string, expiresAt: Date): Promise<void>;
  /**
   * Replaces a running sandbox's egress policy (persisted first, then enforced) so that new
   * connections obey it when this resolves; a restarted runner enforces it too.
   */
  updateNetwork(sandboxId: string, egress: EgressPolicy): Promise<void>;
  /** Removes leftovers (sockets, disks, network rules) of sandboxes that no longer exist. */
  collectGarbage(liveSandboxIds: ReadonlySet<string>): Promise<void>;
  /** Prepares shared resources (networks, firewall rules). Called once at runner start. */
  start(): Promise<void>;
  /** Releases shared resources. Sandboxes stay running (a restarted runner re-adopts them). */
  stop(): Promise<void>;
}
