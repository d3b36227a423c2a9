import { mkdir } from 'node:fs/promises';
import { sandboxesDir } from './sandbox-paths.js';
import type { SandboxRecord, SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { waitForAgentHealth } from './agent-health.js';
import { containerLogTail } from './container-logs.js';
import { containerSpec, containerName, type HomeVolume } from './container-spec.js';
import { AgentHealthTimeoutError, SandboxAlreadyExistsError, SandboxExitedDuringStartError, SandboxNetworkNotReadyError } from './errors.js';
import { writeGvisorPreload } from './gvisor-preload.js';
import { createHomeDisk, type HomeOwner } from './home-disk.js';
import { renumberSandboxUser, writeSandboxAccounts } from './sandbox-accounts.js';
import { writeSandboxUidFile } from './sandbox-uid-file.js';
import type { SandboxEnvironment } from './sandbox-environment.js';
import { sandboxNetworkNames } from './sandbox-network.js';
import { sandboxPaths } from './sandbox-paths.js';
import { destroySandbox } from './sandbox-stopping.js';

/**
 * Creates the sandbox's host files, disk and container, starts it and waits for its agent.
 * On any failure everything made so far is removed before the error propagates.
 */
export async function startSandbox(env: SandboxEnvironment, spec: SandboxSpec): Promise<SandboxRecord> {
  const log = env.logger.child({ sandboxId: spec.sandboxId });
  const paths = sandboxPaths(env.dataDir, spec.sandboxId);
  if (spec.allowInternetAccess && !env.networkName) {
    throw new SandboxNetworkNotReadyError(sandboxNetworkNames(env.runnerName).network);
  }
  const started = Date.now();
  await mkdir(sandboxesDir(env.dataDir), { recursive: true, mode: 0o700 });
  try {
    await mkdir(paths.root, { recursive: false, mode: 0o700 });
  } catch (err) {
    // An existing directory means the id is in use (or a leftover): never reuse another sandbox's files.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new SandboxAlreadyExistsError(spec.sandboxId, paths.root);
    throw err;
  }
  try {
    await mkdir(paths.runDir, { mode: 0o700 });
    // The uid first: from here on removeSandboxFiles (any failure below) frees it again.
    const uid = await env.uids.claim(spec.sandboxId);
    await writeSandboxUidFile(paths.root, uid);
    const user = { uid, gid: uid };
    const accounts = await writeSandboxAccounts(paths.root, renumberSandboxUser(await env.accounts.of(spec.image), uid, uid));
    const gvisorPreload = spec.runtime === 'runsc' ? await writeGvisorPreload(paths.root) : undefined;
    const home = await prepareHome(env, spec, paths.homeImage, paths.homeMount, user);
    const body = containerSpec(spec, {
      runnerName: env.runnerName,
      runDir: paths.runDir,
      home,
      user,
      accounts,
      ...(gvisorPreload ? { gvisorPreload } : {}),
      ...(env.networkName ? { networkName: env.networkName } : {}),
      ...(env.dnsServer ? { dnsServer: env.dnsServer } : {}),
    });
    const container = await env.docker.createContainer(body);
    await container.start();
    const health = await waitForAgentHealth(paths.agentSocket, {
      timeoutMs: env.healthTimeoutMs,
      intervalMs: env.healthIntervalMs,
      stillRunning: async () => (await container.inspect()).State.Running,
    });
    if (!health.healthy) {
      const logs = await containerLogTail(container);
      if (health.reason === 'exited') {
        const state = (await container.inspect()).State;
        throw new SandboxExitedDuringStartError(spec.sandboxId, state.ExitCode, state.OOMKilled, logs);
      }
      throw new AgentHealthTimeoutError(spec.sandboxId, env.healthTimeoutMs, health.lastError, logs);
    }
    log.info({ durationMs: Date.now() - started, image: spec.image, home: home.kind, runtime: body.HostConfig.Runtime, uid }, 'sandbox started');
    return {
      sandboxId: spec.sandboxId,
      tenant: spec.tenant,
      templateId: spec.templateId,
      metadata: spec.metadata,
      allowInternetAccess: spec.allowInternetAccess,
      ...(spec.accessToken ? { accessToken: spec.accessToken } : {}),
      startedAt: spec.startedAt,
      expiresAt: spec.expiresAt,
      limits: spec.limits,
      runtime: spec.runtime ?? 'runc',
      status: 'running',
      agentSocketPath: paths.agentSocket,
    };
  } catch (err) {
    log.warn({ err, container: containerName(spec.sandboxId) }, 'sandbox start failed; cleaning up');
    await destroySandbox(env, spec.sandboxId).catch((cleanupErr: unknown) =>
      log.error({ err: cleanupErr }, 'cleanup after failed start failed; collectGarbage will retry'),
    );
    throw err;
  }
}

async function prepareHome(
  env: SandboxEnvironment,
  spec: SandboxSpec,
  image: string,
  mountPoint: string,
  owner: HomeOwner,
): Promise<HomeVolume> {
  if (env.homeDisks === 'loop') {
    await createHomeDisk(image, mountPoint, spec.limits.diskMiB, owner, env.logger);
    return { kind: 'loop', hostPath: mountPoint };
  }
  // tmpfs pages are charged to the container's memory cgroup: keep half the memory for processes.
  return { kind: 'tmpfs', sizeMiB: Math.max(1, Math.min(spec.limits.diskMiB, Math.floor(spec.limits.memoryMiB / 2))) };
}
