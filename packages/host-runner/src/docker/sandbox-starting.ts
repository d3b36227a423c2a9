import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { crashPoint } from '../fault-injection.js';
import { assertDataDirHasRoom, dataDirFullErrorFor, sandboxFootprintBytes } from './data-dir-space.js';
import { sandboxesDir } from './sandbox-paths.js';
import type { SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { waitForAgentHealth } from './agent-health.js';
import { warmAgentCommandPath } from './agent-warm-up.js';
import { containerLogTail } from './container-logs.js';
import { join } from 'node:path';
import { containerSpec, containerName, type ContainerSpecContext, type HomeVolume } from './container-spec.js';
import { imageLayerDirs, mountRootLayers, prepareRootDisk } from './root-layers.js';
import { rootModeSeccompProfile } from './root-seccomp-profile.js';
import { LABEL } from './sandbox-labels.js';
import { AgentHealthTimeoutError, SandboxAlreadyExistsError, SandboxExitedDuringStartError, SandboxNetworkNotReadyError } from './errors.js';
import { writeGvisorPreload } from './gvisor-preload.js';
import { createHomeDisk, type HomeOwner } from './home-disk.js';
import { renumberSandboxUser, writeSandboxAccounts } from './sandbox-accounts.js';
import { writeSandboxEgressCa } from './sandbox-egress-ca.js';
import { writeSandboxUidFile } from './sandbox-uid-file.js';
import type { DockerBackendContext } from './docker-backend-context.js';
import { sandboxNetworkNames } from './sandbox-network.js';
import { PhaseTimer } from './phase-timer.js';
import { sandboxPaths } from './sandbox-paths.js';
import { destroySandbox } from './sandbox-stopping.js';
import { OPEN_EGRESS } from '../egress/egress-policy.js';
import { writeNetworkFile } from './network-file.js';
import { applySandboxChain, needsSandboxChain } from './sandbox-egress-chain.js';
import { bridgeAddress, startedSandboxRecord } from './sandbox-records.js';
import { mountSandboxVolumes, type VolumeBind } from './sandbox-volumes.js';
import { InvalidVolumeRequestError } from '../volumes/errors.js';

/**
 * Creates the sandbox's host files, disk and container, starts it and waits for its agent.
 * On any failure everything made so far is removed before the error propagates; a full data
 * dir is reported as DataDirFullError however it showed up.
 */
export async function startSandbox(context: DockerBackendContext, spec: SandboxSpec): Promise<SandboxRecord> {
  try {
    return await startSandboxSteps(context, spec);
  } catch (err) {
    throw dataDirFullErrorFor(err, context.dataDir) ?? err;
  }
}

async function startSandboxSteps(context: DockerBackendContext, spec: SandboxSpec): Promise<SandboxRecord> {
  const log = context.logger.child({ sandboxId: spec.sandboxId });
  const paths = sandboxPaths(context.dataDir, spec.sandboxId);
  if (spec.allowInternetAccess && !context.networkName) {
    throw new SandboxNetworkNotReadyError(sandboxNetworkNames(context.runnerName).network);
  }
  const started = Date.now();
  const phases = new PhaseTimer();
  const network = spec.network ?? { egress: OPEN_EGRESS, allowPublicTraffic: spec.trafficAccessToken === undefined };
  await mkdir(sandboxesDir(context.dataDir), { recursive: true, mode: 0o700 });
  // Before anything exists: a full disk is refused up front, not found out halfway.
  await assertDataDirHasRoom(context.dataDir, sandboxFootprintBytes(spec.limits.diskMiB, context.homeDisks));
  try {
    await mkdir(paths.root, { recursive: false, mode: 0o700 });
  } catch (err) {
    // An existing directory means the id is in use (or a leftover): never reuse another sandbox's files.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SandboxAlreadyExistsError(spec.sandboxId, paths.root);
    throw err;
  }
  try {
    // First, so that from here to the end of the create a crashed runner's successor knows this
    // sandbox is half-made (docs/internals.md). An empty file needs no data block.
    await writeFile(paths.creatingMarker, '', { mode: 0o600, flag: 'wx' });
    await mkdir(paths.runDir, { mode: 0o700 });
    const rootMode = await wantsRootMode(context, spec);
    // The uid first: from here on removeSandboxFiles (any failure below) frees it again.
    const uid = await (rootMode ? context.uidBlocks : context.uids).claim(spec.sandboxId);
    crashPoint('create:after-uid-claim');
    await writeSandboxUidFile(paths.root, uid);
    phases.mark('prepare');
    const user = { uid, gid: uid };
    let home: HomeVolume;
    let rootContext: ContainerSpecContext['root'];
    let accounts: ContainerSpecContext['accounts'];
    let systemDir: string | undefined;
    if (rootMode) {
      // The block's root owns the disk; `user` is the template's uid 1000 inside, so uid + 1000 outside.
      await createHomeDisk(paths.homeImage, paths.homeMount, spec.limits.diskMiB, user, context.logger);
      const disk = await prepareRootDisk(paths.homeMount, uid);
      const layers = await imageLayerDirs(context.docker, spec.image);
      const layersDir = join(paths.root, 'root-layers');
      await mountRootLayers(layers, layersDir, uid, context.logger);
      home = { kind: 'loop', hostPath: disk.home };
      rootContext = { hostFirst: uid, layers: layers.length, layersDir, systemDir: disk.system, seccompProfile: rootModeSeccompProfile() };
      systemDir = disk.system;
    } else {
      accounts = await writeSandboxAccounts(paths.root, renumberSandboxUser(await context.accounts.of(spec.image), uid, uid));
      home = await prepareHome(context, spec, paths.homeImage, paths.homeMount, user);
    }
    const volumes = spec.volumeMounts?.length ? await mountVolumes(context, spec, uid, rootMode) : undefined;
    phases.mark('disks');
    // Every bridge sandbox: header-transform rules can arrive after create (updateNetwork), and the
    // bundle must be in place before user code reads it. Offline sandboxes make no connections.
    const egressCa = spec.allowInternetAccess
      ? await writeSandboxEgressCa(paths.root, spec.sandboxId, (await context.accounts.of(spec.image)).caBundle, systemDir ? { systemDir, hostFirst: uid } : undefined)
      : undefined;
    const gvisorPreload = spec.runtime === 'runsc' ? await writeGvisorPreload(paths.root) : undefined;
    phases.mark('egressCa');
    crashPoint('create:after-home-disk');
    const body = containerSpec(spec, {
      runnerName: context.runnerName,
      runDir: paths.runDir,
      home,
      user,
      ...(accounts ? { accounts } : {}),
      ...(rootContext ? { root: rootContext } : {}),
      ...(gvisorPreload ? { gvisorPreload } : {}),
      ...(volumes ? { volumes } : {}),
      ...(egressCa ? { egressCaBundle: egressCa.bundle } : {}),
      ...(context.networkName ? { networkName: context.networkName } : {}),
      ...(context.dnsServer ? { dnsServer: context.dnsServer } : {}),
    });
    // Before the container exists, so a restarted runner always finds the policy it must enforce.
    await writeNetworkFile(paths.networkFile, network);
    const container = await context.docker.createContainer(body);
    phases.mark('dockerCreate');
    crashPoint('create:after-container-create');
    await container.start();
    phases.mark('dockerStart');
    crashPoint('create:after-container-start');
    // The address exists once the container runs; the policy holds before the agent answers, so
    // before the caller (the only one who can run code in it) learns the sandbox exists.
    const address = spec.allowInternetAccess ? bridgeAddress(await container.inspect(), context.networkName) : undefined;
    // A new sandbox has no chain yet: only a policy with a deny needs one (no iptables call otherwise).
    if (address !== undefined && needsSandboxChain(network.egress)) await applySandboxChain(context.egressChains, spec.sandboxId, address, network.egress, log);
    phases.mark('network');
    const health = await waitForAgentHealth(paths.agentSocket, {
      timeoutMs: context.healthTimeoutMs,
      intervalMs: context.healthIntervalMs,
      stillRunning: async () => (await container.inspect()).State.Running,
    });
    if (!health.healthy) {
      const logs = await containerLogTail(container);
      if (health.reason === 'exited') {
        const state = (await container.inspect()).State;
        throw new SandboxExitedDuringStartError(spec.sandboxId, state.ExitCode, state.OOMKilled, logs);
      }
      throw new AgentHealthTimeoutError(spec.sandboxId, context.healthTimeoutMs, health.lastError, logs);
    }
    phases.mark('agentHealth');
    crashPoint('create:after-agent-health');
    // Before the caller learns the sandbox exists, so its first command is as fast as the next.
    const warmUpFailed = await warmAgentCommandPath(paths.agentSocket, context.healthTimeoutMs);
    if (warmUpFailed) log.warn({ reason: warmUpFailed }, 'agent warm-up command failed; the first command will be slower');
    // The create is complete from here: a restarted runner adopts this sandbox.
    await unlink(paths.creatingMarker);
    phases.mark('warmUp');
    log.info({ durationMs: Date.now() - started, phasesMs: phases.phases, image: spec.image, home: home.kind, runtime: body.HostConfig.Runtime, uid, rootMode }, 'sandbox started');
    return startedSandboxRecord(spec, network, paths.agentSocket, address);
  } catch (err) {
    log.warn({ err, container: containerName(spec.sandboxId) }, 'sandbox start failed; cleaning up');
    await destroySandbox(context, spec.sandboxId).catch((cleanupErr: unknown) =>
      log.error({ err: cleanupErr }, 'cleanup after failed start failed; collectGarbage will retry'),
    );
    throw err;
  }
}

/** Root mode overlays these top-level directories after Docker's binds (sandbox-root.c), hiding any volume below them. */
const ROOT_MODE_OVERLAID = ['/usr', '/etc', '/var', '/opt', '/root'];

async function mountVolumes(context: DockerBackendContext, spec: SandboxSpec, uid: number, rootMode: boolean): Promise<VolumeBind[]> {
  const mounts = spec.volumeMounts ?? [];
  if (rootMode) {
    const hidden = mounts.find((mount) => ROOT_MODE_OVERLAID.some((dir) => mount.path === dir || mount.path.startsWith(`${dir}/`)));
    if (hidden) {
      throw new InvalidVolumeRequestError(
        `volumeMounts: path "${hidden.path}" (volume "${hidden.name}") is under ${ROOT_MODE_OVERLAID.join(', ')}, which root-enabled sandboxes overlay with the template; mount it elsewhere (e.g. /mnt/${hidden.name}).`,
      );
    }
  }
  const idmap = rootMode ? { kind: 'block' as const, hostFirst: uid } : { kind: 'user' as const, hostUid: uid };
  return mountSandboxVolumes(context.volumes, spec.tenant, context.dataDir, spec.sandboxId, mounts, idmap, context.logger);
}

/**
 * Root mode when the runner allows it, the sandbox runs runc (gVisor has its own kernel and no
 * idmapped mounts here), its disk is a real image (the overlay's upper layer must be bounded), and
 * its template does not say `codebox.root-access=false`.
 */
async function wantsRootMode(context: DockerBackendContext, spec: SandboxSpec): Promise<boolean> {
  if (!context.rootAccess || (spec.runtime ?? 'runc') !== 'runc') return false;
  const labels = (await context.docker.getImage(spec.image).inspect()).Config?.Labels ?? {};
  if (labels[LABEL.rootAccess] === 'false') return false;
  if (context.homeDisks !== 'loop') {
    context.logger.warn({ sandboxId: spec.sandboxId }, 'root access needs loop-mounted disk images; this sandbox runs without root');
    return false;
  }
  return true;
}

async function prepareHome(
  context: DockerBackendContext,
  spec: SandboxSpec,
  image: string,
  mountPoint: string,
  owner: HomeOwner,
): Promise<HomeVolume> {
  if (context.homeDisks === 'loop') {
    await createHomeDisk(image, mountPoint, spec.limits.diskMiB, owner, context.logger);
    return { kind: 'loop', hostPath: mountPoint };
  }
  // tmpfs pages are charged to the container's memory cgroup: keep half the memory for processes.
  return { kind: 'tmpfs', sizeMiB: Math.max(1, Math.min(spec.limits.diskMiB, Math.floor(spec.limits.memoryMiB / 2))) };
}
