import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { createLogger, type Logger } from '../logger.js';
import type { PoolBackend, PooledSandbox, SandboxBackend, SandboxOwner, SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { DEFAULT_SANDBOX_RUNTIME, type SandboxRuntime } from '../sandboxes/sandbox-runtime.js';
import { RuntimeRegistry } from './container-runtime.js';
import { containerName } from './container-spec.js';
import { createDockerClient } from './docker-client.js';
import { DnsForwarder, resolvConfNameservers, type DnsEndpoint } from '../dns/dns-forwarder.js';
import { EgressService } from './egress-service.js';
import { EgressRegistry } from '../egress/egress-registry.js';
import { HeaderInterceptor } from '../egress/header-interception.js';
import { TransformInterceptor } from '../egress/transform-interceptor.js';
import { installEgressFirewall, removeEgressFirewall, updateHostNetworks } from './egress-firewall.js';
import { isDockerNotFound } from './errors.js';
import { probeAgentHealth } from './agent-health.js';
import { waitPooledAgentWarm } from './agent-init.js';
import { dataDirFullErrorFor } from './data-dir-space.js';
import { writeExpiryFile } from './expiry-file.js';
import { probeLoopDisks } from './home-disk.js';
import { HostNetworkWatcher, readConnectedNetworks } from '../host/host-networks.js';
import { LABEL } from './sandbox-labels.js';
import type { DockerBackendContext } from './docker-backend-context.js';
import { ensureSandboxNetwork, firewallConfig, removeSandboxNetworkIfUnused, sandboxNetworkNames } from './sandbox-network.js';
import { sandboxPaths, sandboxesDir } from './sandbox-paths.js';
import { pooledFromContainer, sandboxRecordFromContainer } from './sandbox-records.js';
import { handOverSandbox } from './sandbox-handover.js';
import { ACCOUNTS_PROBE_LABEL, TemplateAccounts } from './sandbox-accounts.js';
import { DEFAULT_SANDBOX_UID_BLOCKS, DEFAULT_SANDBOX_UIDS, SandboxUidAllocator, type SandboxUidRange } from './sandbox-uids.js';
import { ROOT_UID_BLOCK } from './root-layers.js';
import { startSandbox } from './sandbox-starting.js';
import { OPEN_EGRESS, type EgressPolicy, type SandboxNetworkSettings } from '../egress/egress-policy.js';
import { NetworkUpdateConflictError, SandboxNotFoundError } from '../sandboxes/errors.js';
import { readNetworkFile, writeNetworkFile } from './network-file.js';
import { readOwnerFile } from './owner-file.js';
import { applySandboxChain, collectSandboxChains, needsSandboxChain, sandboxChainName, sandboxChains } from './sandbox-egress-chain.js';
import { bridgeAddress } from './sandbox-records.js';
import { HostVolumeStore } from './volume-store.js';
import type { VolumeBackend } from '../volumes/volume-backend.js';
import { loadSandboxEgressCa } from './sandbox-egress-ca.js';
import type { SandboxCa } from '../egress/sandbox-ca.js';
import { collectSandboxLeftovers, destroySandbox } from './sandbox-stopping.js';

export interface DockerBackendOptions {
  /** Runner instance name; a runner only touches containers labelled with it. Default `default`. */
  runnerName?: string;
  /** Where per-sandbox files live. Default `/var/lib/codebox`. */
  dataDir?: string;
  logger?: Logger;
  docker?: Dockerode;
  /** How long create() waits for the agent's /health. Default 30 s. */
  healthTimeoutMs?: number;
  /**
   * `auto` (default): loop-mounted ext4 home disks when start() finds them working, else tmpfs.
   * `tmpfs`: always tmpfs (disk use then counts against the sandbox's memory).
   */
  homeDisk?: 'auto' | 'tmpfs';
  /** Where the sandboxes' DNS forwarder sends queries. Default: the host's resolv.conf nameservers. */
  dnsUpstreams?: readonly DnsEndpoint[];
  /** CIDRs exempted from the special-purpose block list (never the host or its networks). */
  egressAllow?: readonly string[];
  /** TCP port of the egress proxy on the bridge gateway. Default DEFAULT_EGRESS_PROXY_PORT. */
  egressProxyPort?: number;
  /**
   * Header transforms at egress (E2B's `network.rules`): the upstream trust the interception
   * verifies against and the tenants' secrets its placeholders resolve from. Absent: a transform
   * rule's flows are relayed untouched (tests of the proxy alone).
   */
  egressInterception?: {
    readonly upstreamCa: readonly string[];
    readonly resolveSecret: (tenant: string, name: string) => string | undefined;
  };
  /** The runner's isolation level: start() refuses to run when dockerd lacks its runtimes. Default `runc`. */
  runtime?: SandboxRuntime;
  /** Host uids for sandboxes, one each. Default DEFAULT_SANDBOX_UIDS. */
  sandboxUids?: SandboxUidRange;
  /**
   * Where uid claims live. Must be the same for every runner on this host (they share the
   * kernel's per-uid limits). Default `/run/codebox/sandbox-uids` as root, else in dataDir.
   */
  uidClaimsDir?: string;
  /** Root inside runc sandboxes whose template does not opt out (docs/internals.md, "Users"). Default false. */
  rootAccess?: boolean;
  /** Blocks of 65,536 host uids for root-enabled sandboxes. Default DEFAULT_SANDBOX_UID_BLOCKS. */
  sandboxUidBlocks?: SandboxUidRange;
  /** Size of each named volume's filesystem. Default 1024 MiB. */
  volumeSizeMiB?: number;
}

/** Where the egress proxy listens on the bridge gateway unless configured otherwise. */
export const DEFAULT_EGRESS_PROXY_PORT = 15001;

/** An idle agent answers /health in milliseconds; one that takes seconds would fail the create it is handed to. */
const POOLED_HEALTH_TIMEOUT_MS = 2_000;

/** A Python kernel starts in about a second under gVisor on a busy 2-core host; the kernel's own start timeout is 30 s. */
const POOLED_WARM_TIMEOUT_MS = 60_000;

/** Accounts probe containers older than this are leftovers of a killed runner. */
const STALE_PROBE_S = 120;

/** How a sandbox's container ended, for telling OOM kills from crashes. */
export interface SandboxExit {
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  finishedAt?: Date;
}

export class DockerBackend implements SandboxBackend {
  readonly runnerName: string;
  readonly dataDir: string;
  private readonly logger: Logger;
  private readonly docker: Dockerode;
  private readonly context: DockerBackendContext;
  /** Ids whose files exist before their container does; collectGarbage must not touch them. */
  private readonly creating = new Set<string>();
  private readonly homeDiskMode: 'auto' | 'tmpfs';
  private readonly dnsUpstreams: readonly DnsEndpoint[] | undefined;
  private readonly egressAllow: readonly string[];
  private dns: DnsForwarder | undefined;
  private readonly egressProxyPort: number;
  /** Sandbox address → sandbox and policy (the DNS forwarder and the egress proxy read it). */
  readonly egressPolicies = new EgressRegistry();
  private egress: EgressService | undefined;
  private readonly egressInterception: DockerBackendOptions['egressInterception'];
  private readonly headerInterceptor: HeaderInterceptor | undefined;
  readonly #egressCas = new Map<string, Promise<SandboxCa>>();
  private hostNetworks: HostNetworkWatcher | undefined;
  private readonly runtime: SandboxRuntime;
  private readonly runtimes: RuntimeRegistry;
  private readonly volumeStore: HostVolumeStore;

  constructor(options: DockerBackendOptions = {}) {
    this.runnerName = options.runnerName ?? 'default';
    this.dataDir = options.dataDir ?? '/var/lib/codebox';
    this.homeDiskMode = options.homeDisk ?? 'auto';
    this.dnsUpstreams = options.dnsUpstreams;
    this.egressAllow = options.egressAllow ?? [];
    this.egressProxyPort = options.egressProxyPort ?? DEFAULT_EGRESS_PROXY_PORT;
    this.egressInterception = options.egressInterception;
    this.headerInterceptor = options.egressInterception ? new HeaderInterceptor({ upstreamCa: options.egressInterception.upstreamCa }) : undefined;
    this.logger = (options.logger ?? createLogger()).child({ component: 'docker-backend', runner: this.runnerName });
    this.docker = options.docker ?? createDockerClient();
    this.runtime = options.runtime ?? DEFAULT_SANDBOX_RUNTIME;
    this.runtimes = new RuntimeRegistry(this.docker);
    this.volumeStore = new HostVolumeStore({ dataDir: this.dataDir, sizeMiB: options.volumeSizeMiB ?? 1024, logger: this.logger });
    const claimsDir = options.uidClaimsDir ?? (process.getuid?.() === 0 ? '/run/codebox/sandbox-uids' : join(this.dataDir, 'sandbox-uids'));
    this.context = {
      docker: this.docker,
      rootAccess: options.rootAccess ?? false,
      uidBlocks: new SandboxUidAllocator(
        claimsDir,
        options.sandboxUidBlocks ?? DEFAULT_SANDBOX_UID_BLOCKS,
        (sandboxId) => this.containerExists(sandboxId),
        this.logger,
        ROOT_UID_BLOCK,
      ),
      runnerName: this.runnerName,
      dataDir: this.dataDir,
      logger: this.logger,
      homeDisks: 'tmpfs',
      networkName: undefined,
      dnsServer: undefined,
      egressChains: { policyChain: sandboxNetworkNames(this.runnerName).policyChain, runnerHash: sandboxNetworkNames(this.runnerName).hash },
      healthTimeoutMs: options.healthTimeoutMs ?? 30_000,
      healthIntervalMs: 10,
      uids: new SandboxUidAllocator(
        claimsDir,
        options.sandboxUids ?? DEFAULT_SANDBOX_UIDS,
        (sandboxId) => this.containerExists(sandboxId),
        this.logger,
      ),
      accounts: new TemplateAccounts(this.docker, this.runnerName),
      volumes: this.volumeStore,
    };
  }

  /** Named volumes: loop-mounted images under `<dataDir>/volumes/` (volume-store.ts). */
  get volumes(): VolumeBackend {
    return this.volumeStore;
  }

  /** Throws RuntimeNotRegisteredError when dockerd lacks the Docker runtimes of the runner's level. */
  assertRuntimeAvailable(): Promise<void> {
    return this.runtimes.assertAvailable(this.runtime);
  }

  async start(): Promise<void> {
    // First, so a runner configured for runsc on a host without it fails before touching anything.
    await this.assertRuntimeAvailable();
    await mkdir(sandboxesDir(this.dataDir), { recursive: true, mode: 0o700 });
    const loop =
      this.homeDiskMode === 'tmpfs' ? { ok: false as const, reason: 'configured' } : await probeLoopDisks(this.dataDir, this.logger);
    this.context.homeDisks = loop.ok ? 'loop' : 'tmpfs';
    // Volumes never fall back to tmpfs (it would lose their data): without loop mounts they are refused.
    await this.volumeStore.start(this.homeDiskMode === 'tmpfs' ? await probeLoopDisks(this.dataDir, this.logger) : loop);
    if (!loop.ok) {
      this.logger.warn(
        { reason: loop.reason },
        'loop-mounted home disks unavailable; /home/user falls back to tmpfs, so disk use counts against sandbox memory',
      );
    }
    const gateway = await ensureSandboxNetwork(this.docker, this.runnerName, this.logger);
    try {
      await this.startOnNetwork(gateway);
    } catch (err) {
      // A runner that cannot start leaves no network, firewall chains or listeners behind (stop()
      // removes them once no sandbox is on the bridge, as at a normal stop).
      await this.stop().catch((cleanupErr: unknown) => this.logger.error({ err: cleanupErr }, 'cleaning up after a failed start failed'));
      throw err;
    }
  }

  /** start()'s part on the runner's network: firewall, egress proxy, DNS forwarder, stored policies. */
  private async startOnNetwork(gateway: string): Promise<void> {
    const firewall = firewallConfig(this.runnerName, gateway, this.egressAllow, this.egressProxyPort);
    const networks = await readConnectedNetworks();
    await installEgressFirewall(firewall, networks, this.logger);
    const names = sandboxNetworkNames(this.runnerName);
    const egress = new EgressService({
      bridge: names.bridge,
      natChain: names.egressRedirectChain,
      gateway,
      port: this.egressProxyPort,
      egressAllow: this.egressAllow,
      hostNetworks: networks,
      source: this.egressPolicies,
      logger: this.logger.child({ component: 'egress-proxy' }),
      ...(this.headerInterceptor
        ? {
            interceptor: new TransformInterceptor({
              interceptor: this.headerInterceptor,
              caOf: (sandboxId) => this.egressCaOf(sandboxId),
              resolveSecret: this.egressInterception?.resolveSecret ?? (() => undefined),
              logger: this.logger.child({ component: 'egress-interception' }),
            }),
          }
        : {}),
    });
    this.egress = egress;
    await egress.start();
    this.hostNetworks = new HostNetworkWatcher({
      logger: this.logger,
      onChange: async (changed) => {
        egress.hostNetworksChanged(changed);
        await updateHostNetworks(firewall, changed);
      },
    });
    this.hostNetworks.start(networks);
    const upstreams = this.dnsUpstreams ?? resolvConfNameservers(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
    if (upstreams.length === 0) this.logger.warn('no DNS upstream (resolv.conf has no nameserver); sandbox lookups will fail');
    this.dns = new DnsForwarder({ listen: firewall.dns, upstreams, logger: this.logger.child({ component: 'dns' }), policy: egress.dnsPolicy });
    await this.dns.start();
    this.context.dnsServer = gateway;
    this.context.networkName = sandboxNetworkNames(this.runnerName).network;
    await this.enforceStoredPolicies();
    this.logger.info({ homeDisks: this.context.homeDisks, network: this.context.networkName, runtime: this.runtime }, 'docker backend started');
  }

  async stop(): Promise<void> {
    this.context.networkName = undefined;
    this.hostNetworks?.stop();
    await this.dns?.stop();
    await this.egress?.stop();
    this.headerInterceptor?.close();
    // Removing the firewall while sandboxes still sit on the bridge would open the host to them
    // until the next start(); so rules and network go only once the bridge is empty. The
    // redirects stay with them: a redirected sandbox's connections then fail, never go direct.
    if (await removeSandboxNetworkIfUnused(this.docker, this.runnerName, this.logger)) {
      await this.egress?.removeRules();
      await removeEgressFirewall(firewallConfig(this.runnerName, '', this.egressAllow), this.logger);
    } else {
      this.logger.info('sandboxes still attached to the network; keeping its firewall rules');
    }
  }

  async create(spec: SandboxSpec): Promise<SandboxRecord> {
    // A template may ask for another level than the runner's; check before any file exists.
    await this.runtimes.assertAvailable(spec.runtime ?? DEFAULT_SANDBOX_RUNTIME);
    this.creating.add(spec.sandboxId);
    try {
      // The iptables chain is in place before the agent answers (sandbox-starting.ts); the
      // registry and the proxy redirect follow here, still before the caller learns the id.
      const record = await startSandbox(this.context, spec);
      await this.trackEgress(record.sandboxId, record.tenant, record.address, record.network?.egress ?? OPEN_EGRESS);
      return record;
    } finally {
      this.creating.delete(spec.sandboxId);
    }
  }

  /** The warm pool's operations (pool/warm-pool.ts): pooled containers start as `create` starts sandboxes. */
  readonly pool: PoolBackend = {
    createPooled: async (spec: SandboxSpec): Promise<PooledSandbox> => {
      const record = await this.create({ ...spec, pooled: true });
      // A pooled container is nobody's yet: no registry entry, so no tenant's policy follows its address around.
      await this.releaseEgress(record.sandboxId);
      // Ready means warm: the default kernel up, so the first runCode after a hand-over waits for nothing.
      try {
        await waitPooledAgentWarm(record.sandboxId, record.agentSocketPath, POOLED_WARM_TIMEOUT_MS);
      } catch (err) {
        await this.destroy(record.sandboxId).catch((cleanupErr: unknown) =>
          this.logger.error({ err: cleanupErr, sandboxId: record.sandboxId }, 'removing a pooled container that did not warm up failed; the next start removes it'),
        );
        throw err;
      }
      return { sandboxId: record.sandboxId, templateId: record.templateId, image: spec.image, runtime: record.runtime ?? 'runc', limits: record.limits, status: 'running' };
    },
    handOver: async (sandboxId: string, owner: SandboxOwner): Promise<SandboxRecord> => {
      this.creating.add(sandboxId);
      try {
        const record = await handOverSandbox(this.context, sandboxId, owner);
        // As a cold create: the registry and the proxy redirect, before the caller learns the id.
        await this.trackEgress(record.sandboxId, record.tenant, record.address, record.network?.egress ?? OPEN_EGRESS);
        return record;
      } finally {
        this.creating.delete(sandboxId);
      }
    },
    listPooled: async (): Promise<PooledSandbox[]> => {
      const pooled = await Promise.all((await this.listContainers()).map((c) => pooledFromContainer(c, this.dataDir)));
      return pooled.filter((p): p is PooledSandbox => p !== undefined);
    },
    agentAnswers: async (sandboxId: string): Promise<boolean> => {
      const status = await probeAgentHealth(sandboxPaths(this.dataDir, sandboxId).agentSocket, POOLED_HEALTH_TIMEOUT_MS).catch(() => 0);
      return status >= 200 && status < 300;
    },
  };

  async destroy(sandboxId: string): Promise<void> {
    this.#egressCas.delete(sandboxId);
    await destroySandbox(this.context, sandboxId);
    await this.releaseEgress(sandboxId);
  }

  /**
   * The registry (what the DNS forwarder and the egress proxy read) and the proxy redirect for a
   * sandbox's address. An address another sandbox held starts clean: no redirect or DNS pin of
   * that one carries over.
   */
  private async trackEgress(sandboxId: string, tenant: string, address: string | undefined, policy: EgressPolicy): Promise<void> {
    if (address === undefined) return;
    const previous = this.egressPolicies.lookup(address);
    if (previous && previous.sandboxId !== sandboxId) {
      this.egressPolicies.delete(previous.sandboxId);
      await this.egress?.release(address);
    }
    this.egressPolicies.set(sandboxId, tenant, address, policy);
    await this.egress?.apply(address, policy);
  }

  private async releaseEgress(sandboxId: string): Promise<void> {
    const address = this.egressPolicies.addressOf(sandboxId);
    if (address === undefined) return;
    this.egressPolicies.delete(sandboxId);
    await this.egress?.release(address);
  }

  /**
   * The egress CA of a bridge sandbox (docker/sandbox-egress-ca.ts), loaded once and kept so its
   * leaves stay cached: for the egress proxy's header interception (egress/header-interception.ts).
   */
  egressCaOf(sandboxId: string): Promise<SandboxCa> {
    let ca = this.#egressCas.get(sandboxId);
    if (!ca) {
      ca = loadSandboxEgressCa(this.context.dataDir, sandboxId);
      this.#egressCas.set(sandboxId, ca);
      ca.catch(() => this.#egressCas.delete(sandboxId));
    }
    return ca;
  }

  async list(): Promise<SandboxRecord[]> {
    const containers = await this.listContainers();
    const networkName = sandboxNetworkNames(this.runnerName).network;
    const records = await Promise.all(containers.map((c) => sandboxRecordFromContainer(c, this.dataDir, networkName)));
    return records.filter((r): r is SandboxRecord => r !== undefined);
  }

  async setExpiry(sandboxId: string, expiresAt: Date): Promise<void> {
    try {
      await writeExpiryFile(sandboxPaths(this.dataDir, sandboxId).expiresAtFile, expiresAt);
    } catch (err) {
      throw dataDirFullErrorFor(err, this.dataDir) ?? err;
    }
  }

  async updateNetwork(sandboxId: string, egress: EgressPolicy): Promise<void> {
    const paths = sandboxPaths(this.dataDir, sandboxId);
    const container = await this.docker
      .getContainer(containerName(sandboxId))
      .inspect()
      .catch((err: unknown) => {
        if (isDockerNotFound(err)) throw new SandboxNotFoundError(sandboxId);
        throw err;
      });
    const address = bridgeAddress(container, this.context.networkName);
    if (address === undefined) throw new NetworkUpdateConflictError(sandboxId);
    const previous = await readNetworkFile(paths.networkFile);
    const next: SandboxNetworkSettings = { ...(previous ?? { allowPublicTraffic: true }), egress };
    try {
      await writeNetworkFile(paths.networkFile, next);
    } catch (err) {
      throw dataDirFullErrorFor(err, this.dataDir) ?? err;
    }
    try {
      await applySandboxChain(this.context.egressChains, sandboxId, address, egress, this.logger);
    } catch (err) {
      // Keep file and kernel in step: the old policy still holds in iptables, so it stays on disk.
      if (previous) await writeNetworkFile(paths.networkFile, previous).catch(() => undefined);
      throw err;
    }
    // A handed-over pool container's labels name no tenant; its owner file does.
    const tenant = (await readOwnerFile(paths.ownerFile))?.tenant ?? container.Config.Labels[LABEL.tenant] ?? '';
    await this.trackEgress(sandboxId, tenant, address, egress);
    this.logger.info({ sandboxId, allowOut: egress.allowOut.length, denyOut: egress.denyOut.length }, 'sandbox egress policy updated');
  }

  async collectGarbage(liveSandboxIds: ReadonlySet<string>): Promise<void> {
    const withContainer = new Set<string>();
    const addressesInUse = new Set<string>();
    for (const c of await this.listContainers()) {
      const address = this.context.networkName ? c.NetworkSettings?.Networks?.[this.context.networkName]?.IPAddress : undefined;
      if (address) addressesInUse.add(address);
      const id = c.Labels?.[LABEL.sandboxId];
      if (id) withContainer.add(id);
      // A passwd probe lives for well under a second; an old one is a killed runner's.
      else if (c.Labels?.[ACCOUNTS_PROBE_LABEL] !== undefined && Date.now() / 1000 - c.Created > STALE_PROBE_S) {
        await this.docker.getContainer(c.Id).remove({ force: true }).catch((err: unknown) => {
          if (!isDockerNotFound(err)) this.logger.warn({ err, container: c.Id }, 'could not remove a stale accounts probe container');
        });
      }
    }
    const keep = new Set([...liveSandboxIds, ...this.creating]);
    await collectSandboxLeftovers(this.context, keep, withContainer);
    await collectSandboxChains(this.context.egressChains, [...keep, ...withContainer], this.logger);
    for (const sandboxId of this.egressPolicies.sandboxIds()) {
      if (!keep.has(sandboxId) || !withContainer.has(sandboxId)) await this.releaseEgress(sandboxId);
    }
    await this.egress?.releaseUnused(addressesInUse);
  }

  /** Exit facts of a sandbox's container (OOM kill, exit code); undefined when it does not exist. */
  async inspectExit(sandboxId: string): Promise<SandboxExit | undefined> {
    try {
      const state = (await this.docker.getContainer(containerName(sandboxId)).inspect()).State;
      const finished = Date.parse(state.FinishedAt);
      return {
        running: state.Running,
        exitCode: state.ExitCode,
        oomKilled: state.OOMKilled,
        ...(state.Running || !(finished > 0) ? {} : { finishedAt: new Date(finished) }),
      };
    } catch (err) {
      if (isDockerNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * Re-installs every running sandbox's policy from its network file: the chains normally survive
   * a runner restart in the kernel, but a host firewall reload may have dropped them.
   */
  private async enforceStoredPolicies(): Promise<void> {
    const target = this.context.egressChains;
    const existing = new Set(await sandboxChains(target.runnerHash));
    for (const record of await this.list()) {
      if (record.status !== 'running' || record.address === undefined) continue;
      const egress = record.network?.egress ?? OPEN_EGRESS;
      await this.trackEgress(record.sandboxId, record.tenant, record.address, egress);
      // An open policy needs no chain; one left by an update the runner died in goes now.
      if (!needsSandboxChain(egress) && !existing.has(sandboxChainName(target.runnerHash, record.sandboxId))) continue;
      await applySandboxChain(target, record.sandboxId, record.address, egress, this.logger);
    }
  }

  private async containerExists(sandboxId: string): Promise<boolean> {
    try {
      await this.docker.getContainer(containerName(sandboxId)).inspect();
      return true;
    } catch (err) {
      if (isDockerNotFound(err)) return false;
      throw err;
    }
  }

  private listContainers(): Promise<Dockerode.ContainerInfo[]> {
    return this.docker.listContainers({ all: true, filters: { label: [`${LABEL.runner}=${this.runnerName}`] } });
  }
}
