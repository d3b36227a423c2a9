import type Dockerode from 'dockerode';
import { AGENT_COMPILE_CACHE_DIR, AGENT_DIR, AGENT_SOCKET_DIR, AGENT_SOCKET_NAME, SANDBOX_HOME } from '@codebox/protocol';
import type { SandboxSpec } from '../sandboxes/sandbox-backend.js';
import { dockerRuntimeFor } from './container-runtime.js';
import { InvalidSandboxSpecError } from './errors.js';
import { LABEL, sandboxLabels } from './sandbox-labels.js';
import { SYSTEM_CA_BUNDLE } from './sandbox-accounts.js';
import { EGRESS_CA_ENV } from './sandbox-egress-ca.js';
import { ROOT_DISK_TARGET, ROOT_LAYERS_TARGET, ROOT_UID_BLOCK } from './root-layers.js';

const MiB = 1024 * 1024;

/** Where /home/user comes from: a loop-mounted ext4 image (real disk limit) or, as a fallback, tmpfs. */
export type HomeVolume = { kind: 'loop'; hostPath: string } | { kind: 'tmpfs'; sizeMiB: number };

export interface ContainerSpecContext {
  runnerName: string;
  /** Host directory bound to /run/codebox (the agent socket lives there). */
  runDir: string;
  home: HomeVolume;
  /** The runner's bridge network; required when the spec allows internet access. */
  networkName?: string;
  /** The runner's DNS forwarder on that network's gateway: the sandbox's only nameserver. */
  dnsServer?: string;
  /** The sandbox's own host uid/gid, which `user` has inside (docs/internals.md, "Users"). */
  user: { uid: number; gid: number };
  /** Host files bound read-only over /etc/passwd and /etc/group: the template's, with `user` renumbered. Absent in root mode. */
  accounts?: { passwd: string; group: string };
  /**
   * Root mode (docs/internals.md, "Users"): the agent starts inside a user namespace mapping
   * 0..65535 to the uid block from `hostFirst`, over the idmapped template layers in `layersDir`
   * (`layers` of them) and the overlay's directory `systemDir` on the sandbox's disk.
   */
  root?: { hostFirst: number; layers: number; layersDir: string; systemDir: string; seccompProfile: string };
  /**
   * runsc only: a host file naming GVISOR_COMPAT_LIBRARY, bound read-only over /etc/ld.so.preload
   * (the statx shim; see packages/sandbox-agent/native/gvisor-compat.c).
   */
  gvisorPreload?: string;
  /** Named volumes: the sandbox's idmapped mount of each (sandbox-volumes.ts) and where it goes. */
  volumes?: ReadonlyArray<{ source: string; target: string }>;
  /**
   * Bridge sandboxes: the host file (template bundle + the sandbox's egress CA) bound read-only
   * over the system CA bundle; user processes get `EGRESS_CA_ENV` (docker/sandbox-egress-ca.ts).
   */
  egressCaBundle?: string;
}

/** Fixed limits that are not per-sandbox knobs; docs/security.md ("Containers and user code") says what each guards and which test holds it. */
export const HARDENING = {
  tmpSizeMiB: 64,
  shmSizeMiB: 64,
  nofile: 4096,
  oomScoreAdj: 500,
  logMaxSize: '1m',
  /**
   * gVisor runs guest processes on host tasks of its own (stub processes and sentry threads: 254
   * idle guest processes took 1376 on ptrace, 2106 on systrap), and a sentry that cannot make a thread dies
   * with the whole sandbox. So under runsc the sandbox's pids limit is enforced inside gVisor as
   * RLIMIT_NPROC (its own kernel, so per sandbox, unlike runc where it is per host uid), and the
   * cgroup's is a host backstop this many times larger. A bash fork bomb held at 256 guest processes
   * still grew to 7,500 host tasks in 24 s, so a long one ends the sandbox at the backstop.
   */
  runscHostTasksPerPid: 32,
  /**
   * gVisor's kernel enforces no memory limit and has no OOM killer, so under runsc the agent is the
   * sandbox's OOM killer (`MemoryWatchdog`: it kills the largest user process when the sandbox's
   * memory, as gVisor counts it, reaches the limit the sandbox was created with). The host's limit
   * is this much higher, for the sentry's own memory and for what a fast allocator adds between two
   * of the watchdog's samples, so that the host's OOM killer (which would end the whole sandbox)
   * is a backstop only. Measured: see docs/security.md ("Memory under gVisor").
   */
  runscMemoryHeadroomMiB: 512,
} as const;

/** @types/dockerode predates Engine API 1.41's CgroupnsMode; the daemon here accepts it. */
export type ContainerCreateBody = Omit<Dockerode.ContainerCreateOptions, 'HostConfig'> & {
  HostConfig: Dockerode.HostConfig & { CgroupnsMode: 'private' | 'host' };
};

/**
 * Every writable place is size-capped already; fsize is a backstop above the largest of them so
 * users see the mount's ENOSPC rather than SIGXFSZ.
 */
function fsizeBytes(diskMiB: number): number {
  return 2 * Math.max(diskMiB, HARDENING.tmpSizeMiB) * MiB;
}

/**
 * The env vars the agent gives every process and kernel: the caller's, over the egress CA's for a
 * bridge sandbox (a template or user that points elsewhere means it). A cold sandbox's agent gets
 * them in its container env, a warm-pool one at hand-over; both from here, so they are the same.
 */
export function agentSandboxEnvs(envVars: Readonly<Record<string, string>>, egressCa: boolean): Record<string, string> {
  return egressCa ? { ...EGRESS_CA_ENV, ...envVars } : { ...envVars };
}

export function containerName(sandboxId: string): string {
  return `codebox-${sandboxId}`;
}

/**
 * The create-container body for one sandbox. Pure, so every hardening field is unit-tested.
 * The agent runs as root with only the capabilities it needs to start user processes as the sandbox's uid
 * (docs/internals.md); everything else is dropped and the root filesystem is read-only.
 */
export function containerSpec(spec: SandboxSpec, ctx: ContainerSpecContext): ContainerCreateBody {
  const offline = !spec.allowInternetAccess;
  const runsc = spec.runtime === 'runsc';
  const memoryBytes = Math.round((spec.limits.memoryMiB + (runsc ? HARDENING.runscMemoryHeadroomMiB : 0)) * MiB);
  if (!offline && !ctx.networkName) throw new InvalidSandboxSpecError('internet access needs the runner network; none was given');
  const tmpfs: Record<string, string> = {
    '/tmp': `rw,nosuid,nodev,size=${HARDENING.tmpSizeMiB}m,mode=1777`,
  };
  const mounts: Dockerode.MountSettings[] = [{ Type: 'bind', Source: ctx.runDir, Target: AGENT_SOCKET_DIR, ReadOnly: false }];
  if (ctx.accounts) {
    mounts.push(
      { Type: 'bind', Source: ctx.accounts.passwd, Target: '/etc/passwd', ReadOnly: true },
      { Type: 'bind', Source: ctx.accounts.group, Target: '/etc/group', ReadOnly: true },
    );
  }
  const root = ctx.root;
  if (root) {
    mounts.push(
      { Type: 'bind', Source: root.layersDir, Target: ROOT_LAYERS_TARGET, ReadOnly: true },
      { Type: 'bind', Source: root.systemDir, Target: ROOT_DISK_TARGET, ReadOnly: false },
    );
  }
  for (const volume of ctx.volumes ?? []) {
    mounts.push({ Type: 'bind', Source: volume.source, Target: volume.target, ReadOnly: false });
  }
  if (runsc && ctx.gvisorPreload) {
    mounts.push({ Type: 'bind', Source: ctx.gvisorPreload, Target: '/etc/ld.so.preload', ReadOnly: true });
  }
  if (ctx.egressCaBundle) {
    mounts.push({ Type: 'bind', Source: ctx.egressCaBundle, Target: SYSTEM_CA_BUNDLE, ReadOnly: true });
  }
  const envVars = agentSandboxEnvs(spec.envVars, ctx.egressCaBundle !== undefined);
  const agentCommand = [`${AGENT_DIR}/bin/node`, `${AGENT_DIR}/agent.mjs`];
  if (ctx.home.kind === 'loop') {
    mounts.push({ Type: 'bind', Source: ctx.home.hostPath, Target: SANDBOX_HOME, ReadOnly: false });
  } else {
    tmpfs[SANDBOX_HOME] = `rw,nosuid,nodev,size=${ctx.home.sizeMiB}m,uid=${ctx.user.uid},gid=${ctx.user.gid},mode=0755`;
  }
  return {
    name: containerName(spec.sandboxId),
    Image: spec.image,
    Cmd: root
      ? [`${AGENT_DIR}/sandbox-exec`, '--root-namespace', String(root.hostFirst), String(ROOT_UID_BLOCK), String(root.layers), '--', ...agentCommand]
      : agentCommand,
    Entrypoint: [],
    User: '0:0',
    WorkingDir: SANDBOX_HOME,
    Env: [
      `CODEBOX_AGENT_SOCKET=${AGENT_SOCKET_DIR}/${AGENT_SOCKET_NAME}`,
      // The agent's code cache, made at template build (user processes get none of this env).
      `NODE_COMPILE_CACHE=${AGENT_COMPILE_CACHE_DIR}`,
      `CODEBOX_SANDBOX_ENVS=${JSON.stringify(envVars)}`,
      ...(root ? ['CODEBOX_ROOT_ACCESS=1'] : []),
      // A warm-pool agent takes its env vars at hand-over (its POST /init), once.
      ...(spec.pooled ? ['CODEBOX_POOLED=1'] : []),
      // Under gVisor the agent enforces the memory limit itself (HARDENING.runscMemoryHeadroomMiB).
      ...(runsc ? ['CODEBOX_RUNTIME=runsc', `CODEBOX_MEMORY_LIMIT_MIB=${spec.limits.memoryMiB}`] : []),
    ],
    Labels: {
      ...sandboxLabels(spec, ctx.runnerName),
      [LABEL.uid]: String(ctx.user.uid),
      ...(root ? { [LABEL.rootAccess]: 'true' } : {}),
    },
    Tty: false,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    OpenStdin: false,
    NetworkDisabled: offline,
    HostConfig: {
      // Always named, so a dockerd whose default runtime is something else still runs what was asked.
      Runtime: dockerRuntimeFor(spec.runtime ?? 'runc', offline),
      NetworkMode: offline ? 'none' : ctx.networkName,
      // Docker's embedded resolver (127.0.0.11) forwards here; the firewall drops DNS to anyone else.
      ...(!offline && ctx.dnsServer ? { Dns: [ctx.dnsServer] } : {}),
      CapDrop: ['ALL'],
      CapAdd: ['SETUID', 'SETGID', 'SETPCAP', 'KILL'],
      // Docker's default seccomp profile applies because none is named here; root mode's adds unshare
      // and mount for its entry helper only (root-seccomp-profile.ts).
      SecurityOpt: ['no-new-privileges:true', ...(root ? [`seccomp=${root.seccompProfile}`] : [])],
      Privileged: false,
      Init: true,
      ReadonlyRootfs: true,
      Tmpfs: tmpfs,
      Mounts: mounts,
      PidsLimit: runsc ? spec.limits.pids * HARDENING.runscHostTasksPerPid + 64 : spec.limits.pids,
      Memory: memoryBytes,
      // Equal to Memory: no swap, so the memory limit is a real limit and OOM kills are visible.
      MemorySwap: memoryBytes,
      NanoCpus: Math.round(spec.limits.cpuCount * 1e9),
      OomScoreAdj: HARDENING.oomScoreAdj,
      Ulimits: [
        { Name: 'nofile', Soft: HARDENING.nofile, Hard: HARDENING.nofile },
        { Name: 'fsize', Soft: fsizeBytes(spec.limits.diskMiB), Hard: fsizeBytes(spec.limits.diskMiB) },
        { Name: 'core', Soft: 0, Hard: 0 },
        // uid 0 (the agent) is exempt, so this bounds user code only.
        ...(runsc ? [{ Name: 'nproc', Soft: spec.limits.pids, Hard: spec.limits.pids }] : []),
      ],
      IpcMode: 'private',
      CgroupnsMode: 'private',
      ShmSize: HARDENING.shmSizeMiB * MiB,
      LogConfig: { Type: 'json-file', Config: { 'max-size': HARDENING.logMaxSize, 'max-file': '1' } },
      RestartPolicy: { Name: 'no' },
      AutoRemove: false,
    },
  };
}
