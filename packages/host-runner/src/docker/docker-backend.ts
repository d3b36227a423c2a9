import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { createLogger, type Logger } from '../logger.js';
import type { SandboxBackend, SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { DEFAULT_SANDBOX_RUNTIME, type SandboxRuntime } from '../sandboxes/sandbox-runtime.js';
import { RuntimeRegistry } from './container-runtime.js';
import { containerName } from './container-spec.js';
import { createDockerClient } from './docker-client.js';
import { DnsForwarder, resolvConfNameservers, type DnsEndpoint } from '../dns/dns-forwarder.js';
import { installEgressFirewall, removeEgressFirewall, updateHostNetworks } from './egress-firewall.js';
import { isDockerNotFound } from './errors.js';
import { dataDirFullErrorFor } from './data-dir-space.js';
import { writeExpiryFile } from './expiry-file.js';
import { probeLoopDisks } from './home-disk.js';
import { HostNetworkWatcher, readConnectedNetworks } from '../host/host-networks.js';
import { LABEL } from './sandbox-labels.js';
import type { DockerBackendContext } from './docker-backend-context.js';
import { ensureSandboxNetwork, firewallConfig, removeSandboxNetworkIfUnused, sandboxNetworkNames } from './sandbox-network.js';
import { sandboxPaths, sandboxesDir } from './sandbox-paths.js';
import { sandboxRecordFromContainer } from './sandbox-records.js';
import { ACCOUNTS_PROBE_LABEL, TemplateAccounts } from './sandbox-accounts.js';
import { DEFAULT_SANDBOX_UID_BLOCKS, DEFAULT_SANDBOX_UIDS, SandboxUidAllocator, type SandboxUidRange } from './sandbox-uids.js';
import { ROOT_UID_BLOCK } from './root-layers.js';
import { startSandbox } from './sandbox-starting.js';
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
}

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
  readonly #egressCas = new Map<string, Promise<SandboxCa>>();
  private hostNetworks: HostNetworkWatcher | undefined;
  private readonly runtime: SandboxRuntime;
  private readonly runtimes: RuntimeRegistry;

  constructor(options: DockerBackendOptions = {}) {
    this.runnerName = options.runnerName ?? 'default';
    this.dataDir = options.dataDir ?? '/var/lib/codebox';
    this.homeDiskMode = options.homeDisk ?? 'auto';
    this.dnsUpstreams = options.dnsUpstreams;
    this.egressAllow = options.egressAllow ?? [];
    this.logger = (options.logger ?? createLogger()).child({ component: 'docker-backend', runner: this.runnerName });
    this.docker = options.docker ?? createDockerClient();
    this.runtime = options.runtime ?? DEFAULT_SANDBOX_RUNTIME;
    this.runtimes = new RuntimeRegistry(this.docker);
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
      healthTimeoutMs: options.healthTimeoutMs ?? 30_000,
      healthIntervalMs: 50,
      uids: new SandboxUidAllocator(
        claimsDir,
        options.sandboxUids ?? DEFAULT_SANDBOX_UIDS,
        (sandboxId) => this.containerExists(sandboxId),
        this.logger,
      ),
      accounts: new TemplateAccounts(this.docker, this.runnerName),
    };
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
    if (!loop.ok) {
      this.logger.warn(
        { reason: loop.reason },
        'loop-mounted home disks unavailable; /home/user falls back to tmpfs, so disk use counts against sandbox memory',
      );
    }
    const gateway = await ensureSandboxNetwork(this.docker, this.runnerName, this.logger);
    const firewall = firewallConfig(this.runnerName, gateway, this.egressAllow);
    const networks = await readConnectedNetworks();
    await installEgressFirewall(firewall, networks, this.logger);
    this.hostNetworks = new HostNetworkWatcher({ logger: this.logger, onChange: (changed) => updateHostNetworks(firewall, changed) });
    this.hostNetworks.start(networks);
    const upstreams = this.dnsUpstreams ?? resolvConfNameservers(await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
    if (upstreams.length === 0) this.logger.warn('no DNS upstream (resolv.conf has no nameserver); sandbox lookups will fail');
    this.dns = new DnsForwarder({ listen: firewall.dns, upstreams, logger: this.logger.child({ component: 'dns' }) });
    await this.dns.start();
    this.context.dnsServer = gateway;
    this.context.networkName = sandboxNetworkNames(this.runnerName).network;
    this.logger.info({ homeDisks: this.context.homeDisks, network: this.context.networkName, runtime: this.runtime }, 'docker backend started');
  }

  async stop(): Promise<void> {
    this.context.networkName = undefined;
    this.hostNetworks?.stop();
    await this.dns?.stop();
    // Removing the firewall while sandboxes still sit on the bridge would open the host to them
    // until the next start(); so rules and network go only once the bridge is empty.
    if (await removeSandboxNetworkIfUnused(this.docker, this.runnerName, this.logger)) {
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
      return await startSandbox(this.context, spec);
    } finally {
      this.creating.delete(spec.sandboxId);
    }
  }

  async destroy(sandboxId: string): Promise<void> {
    this.#egressCas.delete(sandboxId);
    await destroySandbox(this.context, sandboxId);
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
    const records = await Promise.all(containers.map((c) => sandboxRecordFromContainer(c, this.dataDir)));
    return records.filter((r): r is SandboxRecord => r !== undefined);
  }

  async setExpiry(sandboxId: string, expiresAt: Date): Promise<void> {
    try {
      await writeExpiryFile(sandboxPaths(this.dataDir, sandboxId).expiresAtFile, expiresAt);
    } catch (err) {
      throw dataDirFullErrorFor(err, this.dataDir) ?? err;
    }
  }

  async collectGarbage(liveSandboxIds: ReadonlySet<string>): Promise<void> {
    const withContainer = new Set<string>();
    for (const c of await this.listContainers()) {
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
